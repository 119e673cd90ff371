/**
 * Handing the stems to the next step: result URLs, the bulk endpoint and its fallback, and
 * downloads, run in-process against the simulator with the runner's files.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { run } from '../src/main.js'
import { stemExtension, describeUrl, readBulkResultBody } from '../src/stems.js'
import { stemFileName } from '../src/download.js'
import { inputEnv, makeRunnerFiles, parseCommands, parseOutputFile } from '../simulator/runner.js'
import { startSimulator, stemContent, type SimulatorOptions } from '../simulator/server.js'
import { captureStdout, clearInputs, setEnv } from '../test/support/action-env.js'

const KEY = 'stems-test-key-77aa88bb'

afterEach(() => {
  process.exitCode = undefined
  clearInputs()
})

/** One step against a fresh simulator; returns what the runner would see, and the simulator. */
async function step(given: Record<string, string>, simulator: SimulatorOptions = {}) {
  const sim = await startSimulator({ apiKey: KEY, stemBytes: 300 * 1024, ...simulator })
  const files = makeRunnerFiles()
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stems-ws-'))
  const restore = setEnv({
    ...inputEnv({
      'api-key': KEY,
      'base-url': sim.baseUrl,
      interval: '50ms',
      'max-interval': '200ms',
      'request-timeout': '500ms',
      timeout: '10s',
      ...given
    }),
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_WORKSPACE: workspace
  })
  try {
    const { stdout } = await captureStdout(() => run())
    return {
      exitCode: Number(process.exitCode ?? 0),
      stdout,
      commands: parseCommands(stdout),
      outputs: parseOutputFile(fs.readFileSync(files.output, 'utf8')),
      summary: fs.readFileSync(files.summary, 'utf8'),
      requests: sim.requests,
      workspace
    }
  } finally {
    restore()
    await sim.close()
  }
}

const resultRequests = (requests: Array<{ method: string; path: string }>) =>
  requests.filter(r => r.path.includes('audio-separation-result')).map(r => `${r.method} ${r.path}`)

describe('result URLs', () => {
  it('are fetched for a successful task, exposed as outputs, and masked', async () => {
    const result = await step({ 'task-id': 'success-0s' })
    expect(result.exitCode).toBe(0)
    expect(resultRequests(result.requests)).toEqual(['GET /apis/audio-separation-result/11001'])
    expect(result.outputs['foreground-url']).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/files\/11001\/foreground\.flac\?signature=sim-signed-11001$/
    )
    expect(result.outputs['background-url']).toMatch(/\/files\/11001\/background\.flac\?signature=/)
    const masks = result.commands.filter(c => c.command === 'add-mask').map(c => c.message)
    expect(masks).toEqual([KEY, result.outputs['foreground-url'], result.outputs['background-url']])
    expect(JSON.parse(result.outputs.results)['success-0s']).toMatchObject({
      foreground_url: result.outputs['foreground-url'],
      background_url: result.outputs['background-url']
    })
  })

  it('never show their query string in the log or the summary', async () => {
    const result = await step({ 'task-id': 'success-0s' })
    const shown = result.stdout.replace(/^::(add-mask|set-output)[^\n]*$/gm, '') + result.summary
    expect(shown).not.toContain('signature')
    expect(result.stdout).toMatch(
      /^Task success-0s: stems ready: foreground 127\.0\.0\.1:\d+\/…\/foreground\.flac, background 127\.0\.0\.1:\d+\/…\/background\.flac$/m
    )
    expect(result.summary).toMatch(
      /foreground: 127\.0\.0\.1:\d+\/…\/foreground\.flac<br>background:/
    )
  })

  it('come from one bulk request when several runs succeeded', async () => {
    const result = await step({ 'task-id': 'success-0s success-0.1s success-0.2s' })
    expect(resultRequests(result.requests)).toEqual(['POST /apis/audio-separation-results'])
    const results = JSON.parse(result.outputs.results) as Record<string, { foreground_url: string }>
    expect(
      Object.values(results).map(r => r.foreground_url.split('?')[0].split('/files/')[1])
    ).toEqual(['11001/foreground.flac', '11002/foreground.flac', '11003/foreground.flac'])
  })

  it('fall back to one request per run when the bulk endpoint fails', async () => {
    const result = await step({ 'task-id': 'success-0s success-0.1s' }, { bulk: 'fail' })
    expect(result.exitCode).toBe(0)
    expect(resultRequests(result.requests).sort()).toEqual([
      'GET /apis/audio-separation-result/11001',
      'GET /apis/audio-separation-result/11002',
      'POST /apis/audio-separation-results'
    ])
  })

  it('are skipped with fetch-result: false', async () => {
    const result = await step({ 'task-id': 'success-0s', 'fetch-result': 'false' })
    expect(resultRequests(result.requests)).toEqual([])
    expect(result.outputs['foreground-url']).toBe('')
  })

  it('cannot be fetched without a run_id: a warning, and the step still passes', async () => {
    const result = await step({ 'task-id': 'success-0s+string' })
    expect(result.exitCode).toBe(0)
    expect(result.commands.filter(c => c.command === 'warning').map(c => c.message)).toEqual([
      'Task success-0s+string: CAMB.AI gave no run_id for this task, so its stems cannot be fetched. The separation itself succeeded.'
    ])
  })
})

describe('after the wait ran out', () => {
  it('no result is fetched: there is no time left, and the step fails anyway', async () => {
    const result = await step({
      'task-id': 'success-0s never',
      timeout: '1s',
      'fail-fast': 'false'
    })
    expect(result.exitCode).toBe(1)
    expect(result.outputs['timed-out']).toBe('true')
    expect(resultRequests(result.requests)).toEqual([])
    expect(result.commands.filter(c => c.command === 'warning')).toEqual([])
  })
})

describe('downloads', () => {
  it('save both stems with the task id in the name, and expose their paths', async () => {
    const result = await step({ 'task-id': 'success-0s', 'download-dir': 'stems' })
    expect(result.exitCode).toBe(0)
    const dir = path.join(result.workspace, 'stems')
    expect(fs.readdirSync(dir).sort()).toEqual([
      'success-0s-background.flac',
      'success-0s-foreground.flac'
    ])
    expect(result.outputs['foreground-path']).toBe(path.join(dir, 'success-0s-foreground.flac'))
    expect(result.outputs['background-path']).toBe(path.join(dir, 'success-0s-background.flac'))
    expect(
      fs
        .readFileSync(result.outputs['foreground-path'])
        .equals(stemContent('11001-foreground', 300 * 1024))
    ).toBe(true)
    expect(JSON.parse(result.outputs.results)['success-0s'].background_path).toBe(
      result.outputs['background-path']
    )
  })

  it('never send the API key to the file host', async () => {
    const result = await step({ 'task-id': 'success-0s', 'download-dir': 'stems' })
    const fileRequests = result.requests.filter(r => r.path.startsWith('/files/'))
    expect(fileRequests).toHaveLength(2)
    for (const request of fileRequests) expect(request.headers['x-api-key']).toBeUndefined()
  })

  it.each(['truncate', 'stall', 'http-500'] as const)(
    'retry a %s download and leave no partial file',
    async fault => {
      const result = await step(
        { 'task-id': 'success-0s', 'download-dir': 'stems' },
        { fileFaults: [fault] }
      )
      expect(result.exitCode).toBe(0)
      const dir = path.join(result.workspace, 'stems')
      expect(fs.readdirSync(dir).sort()).toEqual([
        'success-0s-background.flac',
        'success-0s-foreground.flac'
      ])
      for (const name of fs.readdirSync(dir))
        expect(fs.statSync(path.join(dir, name)).size).toBe(300 * 1024)
      expect(result.commands.filter(c => c.command === 'warning')).toHaveLength(1)
      expect(result.commands.find(c => c.command === 'warning')?.message).toMatch(
        /^Download of the (fore|back)ground stem of task success-0s: /
      )
    }
  )

  it('that fails fails the step, naming the task and the stem, and leaves no partial file', async () => {
    const result = await step(
      { 'task-id': 'success-0s', 'download-dir': 'stems' },
      { fileFaults: ['http-403', 'http-403'] }
    )
    expect(result.exitCode).toBe(1)
    expect(result.outputs.status).toBe('SUCCESS')
    const errors = result.commands.filter(c => c.command === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0].message).toMatch(
      /^Task success-0s: Could not download the (fore|back)ground stem of task success-0s from 127\.0\.0\.1:\d+\/…\/(fore|back)ground\.flac: HTTP 403 \(a signed URL may have expired\)\./
    )
    const dir = path.join(result.workspace, 'stems')
    expect(fs.readdirSync(dir).filter(n => n.endsWith('.part'))).toEqual([])
  })
})

describe('stem file names', () => {
  it('keep a safe task id as it is', () => {
    expect(stemFileName('3f2a-77', 'foreground', '.flac')).toBe('3f2a-77-foreground.flac')
  })

  it('make any other id safe, with a hash so that two ids never share a file', () => {
    const a = stemFileName('../a/b', 'background', '.wav')
    const b = stemFileName('.._a_b', 'background', '.wav')
    expect(a).toMatch(/^__a_b-[0-9a-f]{8}-background\.wav$/)
    expect(a).not.toBe(b)
  })

  it.each([
    ['https://cdn.example/x/voice.FLAC?sig=1', '.flac'],
    ['https://cdn.example/x/voice.wav', '.wav'],
    ['https://cdn.example/x/voice.mp3', '.mp3'],
    ['https://cdn.example/x/voice.ogg', '.audio'],
    ['not a url', '.audio']
  ])('take the extension of %s as %s', (url, extension) => {
    expect(stemExtension(url)).toBe(extension)
  })

  it('describe a URL by host and file name only', () => {
    expect(describeUrl('https://bucket.s3.amazonaws.com/a/b/voice.flac?X-Amz-Signature=abc')).toBe(
      'bucket.s3.amazonaws.com/…/voice.flac'
    )
  })
})

describe('bulk replies', () => {
  it('are read keyed by run id, under results, or as a list', () => {
    const urls = {
      foreground_audio_url: 'https://x/f.flac',
      background_audio_url: 'https://x/b.flac'
    }
    expect([...readBulkResultBody(JSON.stringify({ 7: urls }))!.keys()]).toEqual(['7'])
    expect([...readBulkResultBody(JSON.stringify({ results: { 8: urls } }))!.keys()]).toEqual(['8'])
    expect([...readBulkResultBody(JSON.stringify([{ run_id: 9, ...urls }]))!.keys()]).toEqual(['9'])
    expect(readBulkResultBody('"nope"')).toBeUndefined()
    expect(readBulkResultBody('nope')).toBeUndefined()
  })
})

describe('a download directory that cannot be written', () => {
  it('fails the step at once, naming the directory, without retrying', async () => {
    const blocker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stems-block-')), 'file')
    fs.writeFileSync(blocker, 'not a directory')
    const result = await step({
      'task-id': 'success-0s',
      'download-dir': path.join(blocker, 'stems')
    })
    expect(result.exitCode).toBe(1)
    expect(result.requests.filter(r => r.path.startsWith('/files/'))).toHaveLength(0)
    expect(result.commands.find(c => c.command === 'error')?.message).toMatch(
      /cannot create .*\/file\/stems \(ENOTDIR\)/
    )
  })
})
