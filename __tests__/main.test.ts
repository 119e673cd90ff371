import fs from 'node:fs'
import type http from 'node:http'
import { run } from '../src/main.js'
import { inputEnv, makeRunnerFiles, parseCommands, parseOutputFile } from '../simulator/runner.js'
import { captureStdout, clearInputs, setEnv } from '../test/support/action-env.js'
import { json, startServer, type TestServer } from '../test/support/http-server.js'

const KEY = 'main-test-key-9f8e7d6c5b4a'
let server: TestServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
  process.exitCode = undefined
  clearInputs()
})

interface Step {
  exitCode: number
  outputs: Record<string, string>
  summary: string
  stdout: string
  commands: ReturnType<typeof parseCommands>
  errors: Array<{ title?: string; message: string }>
}

/** Runs the action in-process as one step: INPUT_* variables, fresh runner files, stdout captured. */
async function step(
  handler: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined,
  given: Record<string, string> = {},
  during?: () => void
): Promise<Step> {
  if (handler) server = await startServer(handler)
  const files = makeRunnerFiles()
  const restore = setEnv({
    ...inputEnv({
      'task-id': 'task-1',
      'api-key': KEY,
      'base-url': server ? `${server.url}/apis` : 'http://127.0.0.1:9/apis',
      interval: '50ms',
      'max-interval': '200ms',
      timeout: '5s',
      // These servers answer statuses only; results are tested against the simulator.
      'fetch-result': 'false',
      ...given
    }),
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary
  })
  try {
    const { stdout } = await captureStdout(async () => {
      const work = run()
      during?.()
      await work
    })
    const commands = parseCommands(stdout)
    return {
      exitCode: Number(process.exitCode ?? 0),
      outputs: parseOutputFile(fs.readFileSync(files.output, 'utf8')),
      summary: fs.readFileSync(files.summary, 'utf8'),
      stdout,
      commands,
      errors: commands
        .filter(c => c.command === 'error')
        .map(c => ({ title: c.properties.title, message: c.message }))
    }
  } finally {
    restore()
    fs.rmSync(files.dir, { recursive: true, force: true })
  }
}

/** A server whose tasks are PENDING for `pendingPolls` polls, then reply `end`. */
function tasks(
  end: Record<string, unknown> | string,
  pendingPolls = 1
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const polls = new Map<string, number>()
  return (req, res) => {
    const n = (polls.get(req.url!) ?? 0) + 1
    polls.set(req.url!, n)
    json(res, 200, n <= pendingPolls ? { status: 'PENDING', run_id: null } : end)
  }
}

describe('a task that succeeds', () => {
  it('passes the step and sets every output', async () => {
    const result = await step(tasks({ status: 'SUCCESS', run_id: 11768 }))
    expect(result.exitCode).toBe(0)
    expect(result.errors).toEqual([])
    expect(result.outputs).toMatchObject({
      status: 'SUCCESS',
      statuses: '{"task-1":"SUCCESS"}',
      'run-id': '11768',
      'timed-out': 'false'
    })
    expect(Number(result.outputs.elapsed)).toBeGreaterThanOrEqual(0)
    expect(JSON.parse(result.outputs.results)).toEqual({
      'task-1': {
        status: 'SUCCESS',
        run_id: 11768,
        message: '',
        polls: 2,
        elapsed: expect.any(Number),
        error: '',
        foreground_url: '',
        background_url: '',
        foreground_path: '',
        background_path: ''
      }
    })
  })

  it('logs one line per status change and a closing line', async () => {
    const result = await step(tasks({ status: 'SUCCESS', run_id: 11768 }, 3))
    const lines = result.stdout.split('\n').filter(l => l.startsWith('Task task-1'))
    expect(lines).toEqual([
      expect.stringMatching(/^Task task-1: PENDING after \d+ms$/),
      expect.stringMatching(/^Task task-1: SUCCESS after \d+ms, run 11768$/)
    ])
    expect(result.stdout).toMatch(/^The task succeeded in \d+ms$/m)
  })

  it('writes a summary table: task, status, run id, polls, time waited, message', async () => {
    const result = await step(tasks({ status: 'SUCCESS', run_id: 11768 }))
    expect(result.summary).toContain('<h3>✅ CAMB.AI audio separation: The task succeeded in')
    expect(result.summary).toContain(
      '<th>Task</th><th>Status</th><th>Run id</th><th>Polls</th><th>Waited</th><th>Message</th>'
    )
    expect(result.summary).toMatch(
      /<td>task-1<\/td><td>SUCCESS<\/td><td>11768<\/td><td>2<\/td><td>\d+ms<\/td><td> <\/td>/
    )
  })

  it('accepts the bare-string reply shape', async () => {
    const result = await step(tasks('SUCCESS'))
    expect(result.outputs.status).toBe('SUCCESS')
    expect(result.outputs['run-id']).toBe('')
  })
})

describe('the live log', () => {
  it('warns once about a status it does not know, and keeps waiting', async () => {
    let n = 0
    const result = await step((_, res) =>
      json(res, 200, { status: ++n < 3 ? 'QUEUED' : 'SUCCESS' })
    )
    expect(result.exitCode).toBe(0)
    expect(result.commands.filter(c => c.command === 'warning').map(c => c.message)).toEqual([
      "Task task-1: CAMB.AI reported status 'QUEUED', which this action does not know; it is treated as still running."
    ])
  })

  it('says when CAMB.AI answers again after failed attempts', async () => {
    let n = 0
    const result = await step((_, res) =>
      ++n <= 2 ? res.writeHead(503).end() : json(res, 200, 'SUCCESS')
    )
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/^::warning::Task task-1: HTTP 503; retrying in \d+ms$/m)
    expect(result.stdout).toMatch(/^::debug::Task task-1: HTTP 503; retrying in \d+ms$/m)
    expect(result.stdout).toContain('Task task-1: CAMB.AI answered again after 2 failed attempts')
  })
})

describe('a task that ends badly', () => {
  it.each([
    ['ERROR', /The separation failed: check the source file/],
    ['TIMEOUT', /CAMB.AI gave up on the separation/],
    ['PAYMENT_REQUIRED', /no credit for this/]
  ])('fails the step on %s with one annotation that says what to do', async (end, advice) => {
    const result = await step(
      tasks({ status: end, run_id: null, exception_reason: 'SOURCE_TOO_LONG', message: 'too long' })
    )
    expect(result.exitCode).toBe(1)
    expect(result.outputs.status).toBe(end)
    expect(result.errors).toEqual([
      {
        title: 'CAMB.AI task task-1',
        message: expect.stringMatching(
          new RegExp(`^Task task-1 ended with ${end} after \\d+ms: SOURCE_TOO_LONG: too long\\. `)
        )
      }
    ])
    expect(result.errors[0].message).toMatch(advice)
    expect(JSON.parse(result.outputs.results)['task-1'].message).toBe('SOURCE_TOO_LONG: too long')
    expect(result.summary).toContain('❌')
  })

  it('reports the first failed task in input order as the status, and annotates each failure', async () => {
    const result = await step(
      (req, res) =>
        json(res, 200, {
          status: req.url!.endsWith('/a')
            ? 'SUCCESS'
            : req.url!.endsWith('/b')
              ? 'PAYMENT_REQUIRED'
              : 'ERROR'
        }),
      { 'task-id': 'a b c', 'fail-fast': 'false' }
    )
    expect(result.outputs.status).toBe('PAYMENT_REQUIRED')
    expect(JSON.parse(result.outputs.statuses)).toEqual({
      a: 'SUCCESS',
      b: 'PAYMENT_REQUIRED',
      c: 'ERROR'
    })
    expect(result.errors.map(e => e.title)).toEqual(['CAMB.AI task b', 'CAMB.AI task c'])
    expect(result.summary).toContain('2 of 3 tasks failed')
  })
})

describe('the wait runs out', () => {
  it('fails the step, sets timed-out and keeps the last status', async () => {
    const started = Date.now()
    const result = await step(tasks('SUCCESS', 1e9), { timeout: '600ms' })
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(result.exitCode).toBe(1)
    expect(result.outputs).toMatchObject({ status: 'PENDING', 'timed-out': 'true' })
    expect(Number(result.outputs.elapsed)).toBeCloseTo(0.6, 0)
    expect(result.errors).toEqual([
      {
        title: 'CAMB.AI task task-1',
        message: expect.stringMatching(
          /^Task task-1 was still PENDING when timeout \(600ms\) ran out, after \d+ polls\. Raise timeout/
        )
      }
    ])
    expect(result.summary).toContain('Timed out after 600ms: the task unfinished')
  })

  it('with no answer at all, says what went wrong last and leaves status empty', async () => {
    const result = await step(undefined, {
      timeout: '400ms',
      'base-url': 'http://127.0.0.1:9/apis'
    })
    expect(result.outputs).toMatchObject({
      status: '',
      'timed-out': 'true',
      statuses: '{"task-1":""}'
    })
    expect(result.errors[0].message).toMatch(
      /was not answered when timeout \(400ms\) ran out.*Last problem: connection refused/
    )
    expect(result.stdout).toMatch(/^::warning::Task task-1: connection refused; retrying in/m)
  })

  it('folds the annotations of more than ten unfinished tasks into one', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `t${i}`).join(',')
    const result = await step(tasks('SUCCESS', 1e9), { timeout: '300ms', 'task-id': ids })
    expect(result.errors).toHaveLength(11)
    expect(result.errors[10]).toEqual({
      title: 'More CAMB.AI tasks did not succeed',
      message: '2 more tasks did not succeed; the job summary lists every task.'
    })
  })
})

describe('failures that need the user', () => {
  it('a rejected key fails at once, without retrying, and says to check the secret', async () => {
    const result = await step(
      (_, res) => json(res, 401, { error: 'Invalid API key', status: 401 }),
      { 'task-id': 'a b' }
    )
    expect(server!.requests.length).toBeLessThanOrEqual(2)
    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      {
        title: 'CAMB.AI API key rejected',
        message: expect.stringContaining('Check the secret passed as api-key')
      }
    ])
    expect(JSON.parse(result.outputs.results).b.error).toMatch(/rejected|not waited for further/)
  })
})

describe('bad input', () => {
  it('fails before any request, names every bad input, and still writes outputs and summary', async () => {
    const result = await step(tasks('SUCCESS'), { timeout: 'forever', 'fail-fast': 'maybe' })
    expect(server!.requests).toHaveLength(0)
    expect(result.exitCode).toBe(1)
    expect(result.errors).toEqual([
      { title: 'Invalid input', message: expect.stringMatching(/^Invalid timeout 'forever'/) },
      { title: 'Invalid input', message: expect.stringMatching(/^Invalid fail-fast 'maybe'/) }
    ])
    expect(result.outputs).toEqual({
      status: '',
      statuses: '{}',
      'run-id': '',
      results: '{}',
      'timed-out': 'false',
      elapsed: '0.0',
      'foreground-url': '',
      'background-url': '',
      'foreground-path': '',
      'background-path': ''
    })
    expect(result.summary).toContain('Invalid input')
    expect(result.summary).toContain('<li>Invalid timeout')
  })
})

describe('cancellation', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s stops the wait at once and still reports',
    async signal => {
      const started = Date.now()
      const result = await step(tasks('SUCCESS', 1e9), { timeout: '60s' }, () => {
        setTimeout(() => process.emit(signal, signal), 300)
      })
      expect(Date.now() - started).toBeLessThan(2_000)
      expect(result.exitCode).toBe(1)
      expect(result.outputs).toMatchObject({ status: 'PENDING', 'timed-out': 'false' })
      expect(result.errors).toEqual([
        {
          title: 'Wait cancelled',
          message: expect.stringMatching(
            new RegExp(`^Cancelled by ${signal} after \\d+ms; 1 task still unfinished\\.$`)
          )
        }
      ])
      expect(result.summary).toContain(`Cancelled by ${signal}`)
      expect(process.listenerCount(signal)).toBe(0)
    }
  )
})

describe('the API key', () => {
  it('appears nowhere but the mask command, debug mode included', async () => {
    const restore = setEnv({ ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' })
    try {
      const result = await step((_, res) =>
        json(res, 200, { status: 'ERROR', message: `echo ${KEY}` })
      )
      const withoutMask = result.stdout.replace(`::add-mask::${KEY}`, '')
      expect(withoutMask).not.toContain(KEY)
      expect(result.stdout).toContain('::debug::')
      expect(JSON.stringify(result.outputs)).not.toContain(KEY)
      expect(result.summary).not.toContain(KEY)
    } finally {
      restore()
    }
  })
})

describe('text from the API', () => {
  it('cannot forge a workflow command', async () => {
    const result = await step((_, res) =>
      json(res, 200, {
        status: 'ERROR',
        exception_reason: 'X\n::warning::forged',
        message: 'a\r\n::set-output name=status::SUCCESS'
      })
    )
    expect(
      result.commands.filter(c => c.command === 'warning' || c.command === 'set-output')
    ).toEqual([])
    expect(result.outputs.status).toBe('ERROR')
  })

  it('cannot inject markup into the summary', async () => {
    const result = await step((_, res) =>
      json(res, 200, { status: 'ERROR', message: '<script>alert(1)</script>' })
    )
    expect(result.summary).not.toContain('<script>')
    expect(result.summary).toContain('&lt;script&gt;')
  })
})

describe('an unexpected error', () => {
  it('is reported with outputs and summary, and fails the step', async () => {
    const files = makeRunnerFiles()
    const restore = setEnv({
      ...inputEnv({ 'task-id': 't', 'api-key': KEY }),
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary
    })
    try {
      const { stdout } = await captureStdout(() =>
        run({
          source: () => ({
            getStatus: () => Promise.reject(new Error('boom\n::warning::x'))
          })
        })
      )
      expect(process.exitCode).toBe(1)
      expect(
        parseCommands(stdout)
          .filter(c => c.command === 'error')
          .map(c => c.message)
      ).toEqual(['The action stopped unexpectedly: boom : :warning: :x'])
      expect(parseOutputFile(fs.readFileSync(files.output, 'utf8')).status).toBe('')
      expect(fs.readFileSync(files.summary, 'utf8')).toContain('Unexpected error')
    } finally {
      restore()
    }
  })

  it('falls back to a plain failure when even the outputs cannot be written', async () => {
    const restore = setEnv({
      ...inputEnv({ 'task-id': 't', 'api-key': '' }),
      GITHUB_OUTPUT: '/nonexistent/dir/output',
      GITHUB_STEP_SUMMARY: undefined
    })
    try {
      const { stdout } = await captureStdout(() => run())
      expect(process.exitCode).toBe(1)
      expect(stdout).toMatch(/^::error::The action could not report its result: /m)
    } finally {
      restore()
    }
  })
})
