import fc from 'fast-check'
import { Defaults } from '../src/constants.js'
import {
  getInputs,
  InputError,
  parseBaseUrl,
  parseDurationInput,
  parseTaskIds
} from '../src/input.js'
import { inputEnv, readActionYml } from '../simulator/runner.js'
import { captureStdout, clearInputs, setEnv } from '../test/support/action-env.js'

const KEY = 'camb-test-key-0123456789'

/** Runs getInputs with the runner's INPUT_* variables for `given` on top of action.yml's defaults. */
async function inputs(
  given: Record<string, string>
): Promise<{ settings?: ReturnType<typeof getInputs>; problems: string[]; stdout: string }> {
  clearInputs()
  const restore = setEnv(inputEnv({ 'task-id': 'task-1', 'api-key': KEY, ...given }))
  try {
    const { result, stdout } = await captureStdout(() => {
      try {
        return { settings: getInputs(), problems: [] }
      } catch (error) {
        if (error instanceof InputError) return { problems: error.problems }
        throw error
      }
    })
    return { ...result, stdout }
  } finally {
    restore()
    clearInputs()
  }
}

describe('inputs as the runner passes them', () => {
  it('reads the defaults from action.yml', async () => {
    const { settings } = await inputs({})
    expect(settings).toEqual({
      taskIds: ['task-1'],
      apiKey: KEY,
      timeoutMs: 600_000,
      intervalMs: 5_000,
      maxIntervalMs: 30_000,
      requestTimeoutMs: 30_000,
      failFast: true,
      baseUrl: 'https://client.camb.ai/apis',
      fetchResult: true,
      downloadDir: ''
    })
  })

  it('uses the same defaults as action.yml when an input is empty', async () => {
    const yml = readActionYml()
    for (const [name, value] of Object.entries(Defaults))
      expect(String(yml.inputs[name].default)).toBe(value)
    const { settings } = await inputs({
      'request-timeout': '',
      timeout: '',
      interval: '',
      'max-interval': '',
      'fail-fast': '',
      'base-url': ''
    })
    expect(settings?.timeoutMs).toBe(600_000)
    expect(settings?.baseUrl).toBe('https://client.camb.ai/apis')
  })

  it('registers the API key as a secret before anything else is printed', async () => {
    const { stdout } = await inputs({})
    expect(stdout.split('\n')[0]).toBe(`::add-mask::${KEY}`)
  })

  it('reads every setting', async () => {
    const { settings } = await inputs({
      timeout: '1h30m',
      interval: '2.5',
      'max-interval': '1m',
      'request-timeout': '750ms',
      'fail-fast': 'False',
      'base-url': 'http://127.0.0.1:8080/apis/'
    })
    expect(settings).toMatchObject({
      timeoutMs: 5_400_000,
      intervalMs: 2_500,
      maxIntervalMs: 60_000,
      requestTimeoutMs: 750,
      failFast: false,
      baseUrl: 'http://127.0.0.1:8080/apis'
    })
  })
})

describe('download-dir', () => {
  it('is resolved against the workspace, as the runner resolves paths', async () => {
    const restore = setEnv({ GITHUB_WORKSPACE: '/home/runner/work/repo/repo' })
    try {
      expect((await inputs({ 'download-dir': 'out/stems' })).settings?.downloadDir).toBe(
        '/home/runner/work/repo/repo/out/stems'
      )
      expect((await inputs({ 'download-dir': '/tmp/stems' })).settings?.downloadDir).toBe(
        '/tmp/stems'
      )
    } finally {
      restore()
    }
  })
})

describe('task ids', () => {
  it('splits on newlines, commas and spaces and waits for each once, in input order', () => {
    expect(parseTaskIds('b-2\na-1, c-3  b-2\r\n\ta-1,,')).toEqual(['b-2', 'a-1', 'c-3'])
  })

  it('keeps ids exactly as given: they are case-sensitive', () => {
    expect(parseTaskIds('Abc abc')).toEqual(['Abc', 'abc'])
  })

  it.each([
    ['', /Missing task-id/],
    [' \n , ', /Missing task-id/],
    ['ok bad\u0007id', /Invalid task-id 'bad\\u0007id': it contains a control character/],
    ['x'.repeat(257), /257 characters long, at most 256/],
    ['..', /path steps/],
    ['.', /path steps/]
  ])('rejects %p', (text, message) => {
    expect(() => parseTaskIds(text)).toThrow(message)
  })

  it('accepts an id of exactly 256 characters', () => {
    expect(parseTaskIds('y'.repeat(256))).toHaveLength(1)
  })

  it('rejects more than 1000 ids in one step', () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `t${i}`).join(' ')
    expect(() => parseTaskIds(ids)).toThrow(/1001 task ids given, at most 1000/)
  })
})

describe('bad input gets a clear error that names the input', () => {
  it.each([
    [{ 'api-key': '' }, /^Missing api-key: set it from a secret/],
    [{ 'api-key': '   ' }, /^Missing api-key/],
    [
      { 'api-key': 'ab\u0000cd' },
      /^Invalid api-key: it contains a line break or control character/
    ],
    [{ 'task-id': '' }, /^Missing task-id/],
    [
      { timeout: 'soon' },
      /^Invalid timeout 'soon': expected seconds \(90, 2.5\) or a number with a unit/
    ],
    [{ timeout: '0' }, /^Invalid timeout '0': it must be greater than zero/],
    [{ timeout: '0s' }, /^Invalid timeout '0s': it must be greater than zero/],
    [{ timeout: '-5m' }, /^Invalid timeout '-5m'/],
    [{ timeout: '200h' }, /^Invalid timeout '200h': at most 168h/],
    [{ interval: '0ms' }, /^Invalid interval '0ms'/],
    [{ 'max-interval': 'x' }, /^Invalid max-interval 'x'/],
    [{ 'request-timeout': '0' }, /^Invalid request-timeout '0'/],
    [
      { interval: '10s', 'max-interval': '5s' },
      /^Invalid max-interval '5.0s': it must be at least interval \(10.0s\)/
    ],
    [{ 'fail-fast': 'yes' }, /^Invalid fail-fast 'yes': expected true or false/],
    [
      { 'base-url': 'client.camb.ai/apis' },
      /^Invalid base-url 'client.camb.ai\/apis': expected an absolute https URL/
    ],
    [{ 'base-url': 'ftp://client.camb.ai' }, /^Invalid base-url/],
    [{ 'base-url': 'http://client.camb.ai/apis' }, /plain http would send the API key unencrypted/],
    [
      { 'base-url': 'https://user:pw@client.camb.ai/apis' },
      /^Invalid base-url 'client.camb.ai': it must not contain a user name or password/
    ],
    [{ 'base-url': 'https://client.camb.ai/apis?x=1' }, /must not have a query/],
    [{ 'fetch-result': 'no' }, /^Invalid fetch-result 'no': expected true or false/],
    [
      { 'download-dir': 'stems', 'fetch-result': 'false' },
      /^Invalid download-dir 'stems': downloading needs the result; set fetch-result to true/
    ],
    [
      { 'download-dir': 'a\u0001b' },
      /^Invalid download-dir 'a\\u0001b': it contains a control character/
    ]
  ])('%p', async (given, message) => {
    const { problems, settings } = await inputs(given)
    expect(settings).toBeUndefined()
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(message)
  })

  it('reports every problem at once', async () => {
    const { problems } = await inputs({ 'task-id': '', timeout: 'x', 'fail-fast': 'maybe' })
    expect(problems.map(p => p.split(' ')[1])).toEqual(['task-id:', 'timeout', 'fail-fast'])
  })

  it('never quotes the API key, even when it was pasted into another input', async () => {
    const { problems } = await inputs({ timeout: KEY })
    expect(problems[0]).toMatch(/^Invalid timeout '\*\*\*'/)
  })
})

describe('base-url', () => {
  it.each([
    ['https://client.camb.ai/apis', 'https://client.camb.ai/apis'],
    ['https://proxy.example.com:8443/camb/', 'https://proxy.example.com:8443/camb'],
    ['http://localhost:3000/apis', 'http://localhost:3000/apis'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['http://127.4.5.6:3000/apis', 'http://127.4.5.6:3000/apis'],
    ['http://[::1]:3000/apis', 'http://[::1]:3000/apis']
  ])('accepts %p', (text, url) => {
    expect(parseBaseUrl(text)).toBe(url)
  })

  it.each(['http://10.0.0.1/apis', 'http://localhost.evil.com/apis', 'http://128.0.0.1/'])(
    'refuses plain http to %p',
    text => {
      expect(() => parseBaseUrl(text)).toThrow(/plain http/)
    }
  )
})

describe('generated inputs', () => {
  const anyText = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom('', ' ', '0', '1h', 'true', '\n')
  )

  it('never throw anything but an InputError that names the input and never shows the key', async () => {
    const key = 'KEY-' + 'f00dfeed'.repeat(3)
    // Any text, or the key itself pasted into the wrong input.
    const text = fc.oneof(anyText, fc.constant(key))
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          'task-id': text,
          'api-key': fc.oneof(anyText, fc.constant(key)),
          timeout: text,
          interval: text,
          'max-interval': text,
          'request-timeout': text,
          'fail-fast': text,
          'base-url': text
        }),
        async given => {
          const { settings, problems, stdout } = await inputs(given)
          if (settings) {
            expect(settings.taskIds.length).toBeGreaterThan(0)
            expect(settings.timeoutMs).toBeGreaterThan(0)
            expect(settings.maxIntervalMs).toBeGreaterThanOrEqual(settings.intervalMs)
            return
          }
          expect(problems.length).toBeGreaterThan(0)
          for (const problem of problems) {
            expect(problem).toMatch(
              /^(Missing|Invalid) (task-id|api-key|timeout|interval|max-interval|request-timeout|fail-fast|base-url)\b/
            )
            expect(problem).not.toMatch(/[\r\n]/)
            if (given['api-key'] === key) expect(problem).not.toContain(key)
          }
          if (given['api-key'] === key)
            expect(stdout.replace(`::add-mask::${key}`, '')).not.toContain(key)
        }
      ),
      { numRuns: 300 }
    )
  })

  it('accept every well-formed duration up to a week, as the sum of its parts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 99 }), fc.constantFrom('ms', 's', 'm', 'h')), {
          minLength: 1,
          maxLength: 3
        }),
        parts => {
          const text = parts.map(([n, unit]) => `${n}${unit}`).join('')
          const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
          const expected = parts.reduce((sum, [n, unit]) => sum + n * unitMs[unit], 0)
          if (expected <= 168 * 3_600_000)
            expect(parseDurationInput('timeout', text)).toBe(expected)
          else expect(() => parseDurationInput('timeout', text)).toThrow(/at most 168h/)
        }
      )
    )
  })
})
