/**
 * The bundled action, run as the runner runs it, against the CAMB.AI simulator. Nothing is
 * mocked: a child process, real sockets, the real output files. Each fault's figures are
 * written to reports/reliability.md for the README's Reliability table.
 */
import fs from 'node:fs'
import path from 'node:path'
import { scenario, type Fault, type Scenario } from '../simulator/scenario.js'
import { ROOT, runAction, type ActionRun } from '../simulator/runner.js'
import { startSimulator, type Simulator } from '../simulator/server.js'
import { startServer, type TestServer } from '../test/support/http-server.js'

const KEY = 'e2e-key-5f1d2c3b4a'
const FAST = { interval: '100ms', 'max-interval': '400ms', 'request-timeout': '1s', timeout: '15s' }

let sim: Simulator
let trap: TestServer
const figures: string[] = []

beforeAll(async () => {
  trap = await startServer((_, res) => res.end('"SUCCESS"'), '127.0.0.2')
  sim = await startSimulator({ apiKey: KEY, redirectTo: trap.url })
})

afterAll(async () => {
  await sim.close()
  await trap.close()
  fs.mkdirSync(path.join(ROOT, 'reports'), { recursive: true })
  fs.writeFileSync(
    path.join(ROOT, 'reports', 'reliability.md'),
    [
      '| fault | exit code | status | requests | wall time |',
      '|---|---|---|---|---|',
      ...figures,
      ''
    ].join('\n')
  )
})

let taskCounter = 0
/** A fresh task id for `s`, so each case has its own task clock in the simulator. */
function task(s: Scenario): string {
  const id = `e2e-${++taskCounter}`
  sim.setTask(id, s)
  return id
}

function requestsFor(taskId: string): number[] {
  return sim.requests.filter(r => r.path.endsWith(`/${taskId}`)).map(r => r.at)
}

async function step(
  inputs: Record<string, string>,
  extra: Parameters<typeof runAction>[0] extends infer O ? Partial<O> : never = {}
): Promise<ActionRun> {
  return runAction({
    inputs: { 'api-key': KEY, 'base-url': sim.baseUrl, ...FAST, ...inputs },
    killAfterMs: 60_000,
    ...extra
  })
}

const errors = (run: ActionRun) => run.commands.filter(c => c.command === 'error')
const warnings = (run: ActionRun) => run.commands.filter(c => c.command === 'warning')

describe('end states', () => {
  it('SUCCESS in the object shape passes the step with every output set', async () => {
    const id = task(scenario({ afterMs: 500 }))
    const run = await step({ 'task-id': id })
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      status: 'SUCCESS',
      'timed-out': 'false',
      statuses: JSON.stringify({ [id]: 'SUCCESS' })
    })
    expect(run.outputs['run-id']).toMatch(/^\d+$/)
    expect(JSON.parse(run.outputs.results)[id]).toMatchObject({
      status: 'SUCCESS',
      run_id: Number(run.outputs['run-id'])
    })
    expect(run.summary).toContain('✅ CAMB.AI audio separation')
    expect(errors(run)).toEqual([])
  })

  it('SUCCESS in the bare-string shape', async () => {
    const run = await step({ 'task-id': task(scenario({ afterMs: 300, shape: 'string' })) })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('SUCCESS')
  })

  it.each(['ERROR', 'TIMEOUT', 'PAYMENT_REQUIRED'] as const)(
    '%s fails the step at once with its reason',
    async end => {
      const id = task(
        scenario({ end, afterMs: 300, exceptionReason: 'SOURCE_TOO_LONG', message: 'over 2 hours' })
      )
      const run = await step({ 'task-id': id })
      expect(run.exitCode).toBe(1)
      expect(run.outputs.status).toBe(end)
      expect(errors(run)).toEqual([
        {
          command: 'error',
          properties: { title: `CAMB.AI task ${id}` },
          message: expect.stringContaining(`ended with ${end} after`)
        }
      ])
      expect(errors(run)[0].message).toContain('SOURCE_TOO_LONG: over 2 hours')
      expect(run.durationMs).toBeLessThan(5_000)
    }
  )

  it('a status the action does not know is a warning once, then waiting goes on', async () => {
    const run = await step({ 'task-id': task(scenario({ afterMs: 600, runningStatus: 'QUEUED' })) })
    expect(run.exitCode).toBe(0)
    expect(warnings(run).filter(w => w.message.includes("'QUEUED'"))).toHaveLength(1)
  })
})

describe('several tasks', () => {
  it('are waited for in parallel', async () => {
    const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(n => task(scenario({ afterMs: n * 150 })))
    const before = sim.requests.length
    const run = await step({ 'task-id': ids.join('\n') })
    expect(run.exitCode).toBe(0)
    expect(Object.values(JSON.parse(run.outputs.statuses))).toEqual(Array(10).fill('SUCCESS'))
    expect(Number(run.outputs.elapsed)).toBeLessThan(3)
    // Nothing on stderr: no Node warning (such as MaxListenersExceeded) reaches the user's log.
    expect(run.stderr).toBe('')
    expect(sim.requests.length - before).toBeLessThan(150)
    figures.push(
      `| 10 tasks ending at 0.15 s to 1.5 s | ${run.exitCode} | ${run.outputs.status} | ${sim.requests.length - before} | ${seconds(run)} |`
    )
  })

  it('with fail-fast, stop at the first failure', async () => {
    const run = await step({
      'task-id': `${task(scenario({ end: null }))},${task(scenario({ end: 'ERROR', afterMs: 300 }))}`
    })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.status).toBe('ERROR')
    expect(run.durationMs).toBeLessThan(5_000)
    expect(run.summary).toContain('not waited for further: another task failed (fail-fast)')
  })

  it('without fail-fast, wait for the others after a failure', async () => {
    const good = task(scenario({ afterMs: 1_200 }))
    const bad = task(scenario({ end: 'ERROR', afterMs: 200 }))
    const run = await step({ 'task-id': `${good} ${bad}`, 'fail-fast': 'false' })
    expect(run.exitCode).toBe(1)
    expect(JSON.parse(run.outputs.statuses)).toEqual({ [good]: 'SUCCESS', [bad]: 'ERROR' })
    expect(run.outputs.status).toBe('ERROR')
  })
})

describe('faults the action survives', () => {
  const survivable: Array<[Fault, string]> = [
    ['http-500', 'HTTP 500'],
    ['http-502', 'HTTP 502'],
    ['http-503', 'HTTP 503'],
    ['http-504', 'HTTP 504'],
    ['http-429-seconds', 'HTTP 429, Retry-After 1.0s'],
    ['http-429-date', 'HTTP 429, Retry-After'],
    ['reset-before-headers', 'connection'],
    ['reset-mid-body', 'connection reset'],
    ['stall-body', 'no complete reply within 1.0s'],
    ['stall-headers', 'no complete reply within 1.0s'],
    ['not-json', 'unreadable reply'],
    ['html-error', 'HTTP 502']
  ]

  it.each(survivable)(
    '%s: retried with a warning that names the cause, then SUCCESS',
    async (fault, cause) => {
      const id = task(scenario({ afterMs: 0, faults: [fault, fault] }))
      const run = await step({ 'task-id': id })
      expect(run.exitCode).toBe(0)
      expect(run.outputs.status).toBe('SUCCESS')
      const said = warnings(run).map(w => w.message)
      expect(said[0]).toContain(`Task ${id}: ${cause}`)
      expect(said).toHaveLength(1)
      expect(requestsFor(id)).toHaveLength(3)
      figures.push(
        `| ${fault} (twice) | ${run.exitCode} | ${run.outputs.status} | 3 | ${seconds(run)} |`
      )
    }
  )

  it('honours Retry-After in seconds between attempts', async () => {
    const id = task(scenario({ afterMs: 0, faults: ['http-429-seconds'] }))
    await step({ 'task-id': id })
    const [first, second] = requestsFor(id)
    expect(second - first).toBeGreaterThanOrEqual(950)
  })

  it('a task that is not visible for its first second is waited for', async () => {
    const id = task(scenario({ afterMs: 1_500, notFoundForMs: 1_000 }))
    const run = await step({ 'task-id': id })
    expect(run.exitCode).toBe(0)
    figures.push(
      `| 404 for the first 1 s | ${run.exitCode} | ${run.outputs.status} | ${requestsFor(id).length} | ${seconds(run)} |`
    )
  })
})

describe('faults that fail the step at once', () => {
  it('a wrong key: 401, no retry, a message that says to check the secret', async () => {
    const id = task(scenario())
    const run = await step({ 'task-id': id, 'api-key': 'wrong-key-123456' })
    expect(run.exitCode).toBe(1)
    expect(requestsFor(id)).toHaveLength(1)
    expect(errors(run).map(e => e.properties.title)).toEqual(['CAMB.AI API key rejected'])
    expect(errors(run)[0].message).toContain('Check the secret passed as api-key')
    figures.push(
      `| 401 (wrong key) | ${run.exitCode} | ${run.outputs.status || '(empty)'} | 1 | ${seconds(run)} |`
    )
  })

  it('a redirect to another origin: not followed, the key never reaches it', async () => {
    const id = task(scenario({ faults: ['redirect'] }))
    const run = await step({ 'task-id': id })
    expect(run.exitCode).toBe(1)
    expect(trap.requests).toHaveLength(0)
    expect(errors(run)[0].message).toContain(`pointing to ${trap.url}/apis/audio-separation/${id}`)
    figures.push(
      `| 302 to another origin | ${run.exitCode} | ${run.outputs.status || '(empty)'} | 1 | ${seconds(run)} |`
    )
  })

  it('an unknown task: 404 for 10 s, then a failure that names it', async () => {
    const run = await step({ 'task-id': 'no-such-task', interval: '1s', 'max-interval': '2s' })
    expect(run.exitCode).toBe(1)
    expect(errors(run)[0].message).toContain(
      "CAMB.AI does not know task 'no-such-task' (HTTP 404 for 10.0s)"
    )
    expect(Number(run.outputs.elapsed)).toBeGreaterThanOrEqual(10)
    expect(Number(run.outputs.elapsed)).toBeLessThan(11)
    figures.push(
      `| 404 that never ends | ${run.exitCode} | ${run.outputs.status || '(empty)'} | ${requestsFor('no-such-task').length} | ${seconds(run)} |`
    )
  })

  it('bad input: the step fails before any request', async () => {
    const before = sim.requests.length
    const run = await step({ 'task-id': 'x', timeout: '0' })
    expect(run.exitCode).toBe(1)
    expect(sim.requests.length).toBe(before)
    expect(errors(run)[0].message).toMatch(/^Invalid timeout '0'/)
    expect(run.outputs.status).toBe('')
  })
})

describe('time limits', () => {
  it('ends within about a second of timeout when the server never answers', async () => {
    const id = task(scenario({ end: null, faults: Array<Fault>(100).fill('stall-headers') }))
    const run = await step({ 'task-id': id, timeout: '2s', 'request-timeout': '30s' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['timed-out']).toBe('true')
    expect(run.durationMs).toBeLessThan(3_000)
    expect(run.summary).toContain('Timed out after 2.0s')
    figures.push(
      `| server never answers, timeout 2 s | ${run.exitCode} | ${run.outputs.status || '(empty)'} | ${requestsFor(id).length} | ${seconds(run)} |`
    )
  })

  it('SIGINT while waiting: outputs and summary are written and the exit code is non-zero, within a second', async () => {
    const run = await step(
      { 'task-id': task(scenario({ end: null })), timeout: '60s' },
      { signal: { name: 'SIGINT', afterMs: 1_000 } }
    )
    expect(run.exitCode).not.toBe(0)
    expect(run.durationMs).toBeLessThan(2_000)
    expect(run.outputs).toMatchObject({ status: 'PENDING', 'timed-out': 'false' })
    expect(run.summary).toContain('Cancelled by SIGINT')
    figures.push(
      `| SIGINT after 1 s | ${run.exitCode} | ${run.outputs.status} | - | ${seconds(run)} |`
    )
  })

  it('SIGTERM while a request is stalled', async () => {
    const id = task(scenario({ end: null, faults: ['stall-headers'] }))
    const run = await step(
      { 'task-id': id, timeout: '60s', 'request-timeout': '30s' },
      { signal: { name: 'SIGTERM', afterMs: 700 } }
    )
    expect(run.exitCode).not.toBe(0)
    expect(run.durationMs).toBeLessThan(1_700)
    expect(run.summary).toContain('Cancelled by SIGTERM')
  })
})

describe('the stems', () => {
  it('are downloaded into download-dir in the workspace, and their URLs are masked', async () => {
    const id = task(scenario({ afterMs: 200 }))
    const run = await step({ 'task-id': id, 'download-dir': 'stems' })
    expect(run.exitCode).toBe(0)
    expect(run.outputs['foreground-path']).toMatch(new RegExp(`/stems/${id}-foreground\\.flac$`))
    expect(run.outputs['background-path']).toMatch(new RegExp(`/stems/${id}-background\\.flac$`))
    expect(run.stdout).toContain(`::add-mask::${run.outputs['foreground-url']}`)
    expect(run.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain('signature=')
    expect(run.stdout).toMatch(
      new RegExp(
        `^Task ${id}: foreground stem saved to .*/stems/${id}-foreground\\.flac \\(262144 bytes\\)$`,
        'm'
      )
    )
  })
})

describe('the API key', () => {
  it('appears only in the mask command, in debug mode too, across faults and failures', async () => {
    const id = task(
      scenario({
        end: 'ERROR',
        afterMs: 200,
        message: `your key ${KEY} failed`,
        faults: ['http-503', 'not-json', 'reset-mid-body']
      })
    )
    const run = await step(
      { 'task-id': id },
      { env: { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' } }
    )
    expect(run.stdout).toContain('::debug::')
    const everything = [run.stdout, run.stderr, JSON.stringify(run.outputs), run.summary].join('\n')
    expect(everything.split(KEY).length - 1).toBe(1)
    expect(run.stdout).toContain(`::add-mask::${KEY}`)
  })
})

describe('text from the API', () => {
  it('a message with a newline and ::warning:: forges no workflow command', async () => {
    const id = task(
      scenario({
        end: 'ERROR',
        afterMs: 0,
        exceptionReason: 'X\n::warning::forged',
        message: 'line\n::error::forged\r\n::set-output name=status::SUCCESS'
      })
    )
    const run = await step({ 'task-id': id })
    expect(warnings(run)).toEqual([])
    expect(errors(run)).toHaveLength(1)
    expect(run.commands.filter(c => c.command === 'set-output')).toEqual([])
    expect(run.outputs.status).toBe('ERROR')
  })
})

function seconds(run: ActionRun): string {
  return `${(run.durationMs / 1000).toFixed(2)} s`
}
