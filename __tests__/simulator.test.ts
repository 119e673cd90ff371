import { FAULTS, parseTaskId, scenario } from '../simulator/scenario.js'
import { startSimulator, stemContent } from '../simulator/server.js'

describe('task ids name their scenario', () => {
  it.each([
    ['success-3s', { end: 'SUCCESS', afterMs: 3_000, shape: 'object', faults: [] }],
    ['error-2.5s', { end: 'ERROR', afterMs: 2_500, exceptionReason: 'SOURCE_TYPE_NOT_SUPPORTED' }],
    ['timeout', { end: 'TIMEOUT', afterMs: 3_000 }],
    ['payment-1s', { end: 'PAYMENT_REQUIRED' }],
    ['never', { end: null }],
    ['success-1s+string+unknown', { shape: 'string', runningStatus: 'QUEUED' }],
    ['success-1s+404-2s', { notFoundForMs: 2_000 }],
    [
      'success-1s+503+reset+429date+redirect',
      { faults: ['http-503', 'reset-before-headers', 'http-429-date', 'redirect'] }
    ]
  ])('%s', (id, expected) => {
    expect(parseTaskId(id)).toMatchObject(expected)
  })

  it.each(['task-1', 'success-3x', 'success-1s+bogus', ''])(
    '%p is no scenario (answered with 404)',
    id => {
      expect(parseTaskId(id)).toBeUndefined()
    }
  )

  it('gives every scenario its own list of faults', () => {
    parseTaskId('success+503')
    expect(parseTaskId('success+reset')?.faults).toEqual(['reset-before-headers'])
    expect(scenario().faults).toEqual([])
  })

  it('knows a short name for every fault', () => {
    const names = [
      '500',
      '502',
      '503',
      '504',
      '429',
      '429date',
      'reset',
      'resetbody',
      'stall',
      'stallheaders',
      'notjson',
      'html',
      'redirect'
    ]
    expect(names.map(n => parseTaskId(`never+${n}`)?.faults[0]).sort()).toEqual([...FAULTS].sort())
  })
})

describe('the simulator', () => {
  it('listens on 127.0.0.1 only, checks the key, and records each request', async () => {
    const sim = await startSimulator({ apiKey: 'k' })
    try {
      expect(sim.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/apis$/)
      const denied = await fetch(`${sim.baseUrl}/audio-separation/success-1s`, {
        headers: { 'x-api-key': 'wrong' }
      })
      expect(denied.status).toBe(401)
      expect(await denied.json()).toEqual({ error: 'Invalid API key', status: 401 })
      const ok = await fetch(`${sim.baseUrl}/audio-separation/success-0s`, {
        headers: { 'x-api-key': 'k' }
      })
      expect(await ok.json()).toEqual({ status: 'SUCCESS', run_id: 11001 })
      expect(sim.requests.map(r => [r.method, r.path, r.headers['x-api-key']])).toEqual([
        ['GET', '/apis/audio-separation/success-1s', 'wrong'],
        ['GET', '/apis/audio-separation/success-0s', 'k']
      ])
    } finally {
      await sim.close()
    }
  })

  it('answers the result endpoint with signed stem URLs it also serves', async () => {
    const sim = await startSimulator({ apiKey: 'k', stemBytes: 1000 })
    try {
      const result = await fetch(`${sim.baseUrl}/audio-separation-result/11001`, {
        headers: { 'x-api-key': 'k' }
      })
      const urls = (await result.json()) as Record<string, string>
      expect(urls.foreground_audio_url).toMatch(/\/files\/11001\/foreground\.flac\?signature=/)
      const stem = Buffer.from(await (await fetch(urls.background_audio_url)).arrayBuffer())
      expect(stem.equals(stemContent('11001-background', 1000))).toBe(true)
    } finally {
      await sim.close()
    }
  })

  it('runs a task on its own clock: PENDING until afterMs from its first request', async () => {
    const sim = await startSimulator({
      apiKey: 'k',
      tasks: { t: scenario({ afterMs: 300, shape: 'string' }) }
    })
    try {
      const ask = async (): Promise<unknown> =>
        (await fetch(`${sim.baseUrl}/audio-separation/t`, { headers: { 'x-api-key': 'k' } })).json()
      expect(await ask()).toBe('PENDING')
      await new Promise(r => setTimeout(r, 350))
      expect(await ask()).toBe('SUCCESS')
    } finally {
      await sim.close()
    }
  })
})
