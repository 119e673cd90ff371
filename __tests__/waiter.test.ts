import type { StatusSource } from '../src/camb-client.js'
import type { StatusReply } from '../src/reply.js'
import {
  describeRetry,
  waitForTasks,
  type RetryNotice,
  type TaskResult,
  type WaitObserver,
  type WaitOptions
} from '../src/waiter.js'
import { VirtualClock } from '../test/support/virtual-clock.js'

type Script = (taskId: string, call: number, elapsedMs: number) => StatusReply

class TestClock extends VirtualClock {
  readonly start = this.now()
}

/** A status source that answers from a script, on the virtual clock, and remembers each call. */
class ScriptedSource implements StatusSource {
  readonly calls: Array<{ taskId: string; at: number; timeoutMs: number }> = []
  private readonly counts = new Map<string, number>()
  inFlight = 0
  peak = 0

  constructor(
    private readonly clock: TestClock,
    private readonly script: Script,
    private readonly latencyMs = 0
  ) {}

  async getStatus(
    taskId: string,
    options: { signal: AbortSignal; timeoutMs: number }
  ): Promise<StatusReply> {
    const start = this.clock.start
    this.calls.push({ taskId, at: this.clock.now() - start, timeoutMs: options.timeoutMs })
    const call = (this.counts.get(taskId) ?? 0) + 1
    this.counts.set(taskId, call)
    this.inFlight++
    this.peak = Math.max(this.peak, this.inFlight)
    if (this.latencyMs > 0)
      await this.clock.sleep(Math.min(this.latencyMs, options.timeoutMs), options.signal)
    this.inFlight--
    if (options.signal.aborted) return { kind: 'aborted' }
    if (this.latencyMs > options.timeoutMs) return { kind: 'retry', cause: 'no complete reply' }
    return this.script(taskId, call, this.clock.now() - start)
  }

  times(taskId: string): number[] {
    return this.calls.filter(c => c.taskId === taskId).map(c => c.at)
  }
}

/** Records what the waiter tells the log. */
function recorder(): WaitObserver & { events: string[]; retries: RetryNotice[] } {
  const events: string[] = []
  const retries: RetryNotice[] = []
  return {
    events,
    retries,
    statusChanged: (task: TaskResult) => events.push(`${task.taskId}:${task.status}`),
    unknownStatus: (task: TaskResult) => events.push(`unknown:${task.status}`),
    retrying: (notice: RetryNotice) => retries.push(notice),
    recovered: (taskId: string, attempts: number) => events.push(`recovered:${taskId}:${attempts}`)
  }
}

const status = (
  s: string,
  extra: Partial<{ runId: number; message: string }> = {}
): StatusReply => ({
  kind: 'status',
  status: s,
  runId: extra.runId ?? null,
  message: extra.message ?? ''
})

/** PENDING until `endMs` of waiting, then `end`. */
const endsAt =
  (endMs: number, end = 'SUCCESS'): Script =>
  (_, __, elapsed) =>
    elapsed >= endMs ? status(end, { runId: 7 }) : status('PENDING')

/** The settings every test starts from: the action's defaults, one task. */
const DEFAULTS = {
  taskIds: ['task-1'],
  timeoutMs: 600_000,
  pacing: { intervalMs: 5_000, maxIntervalMs: 30_000 },
  failFast: true,
  requestTimeoutMs: 30_000
}

async function wait(
  script: Script,
  options: Partial<WaitOptions> & { latencyMs?: number; random?: () => number } = {}
) {
  const clock = new TestClock(undefined, options.random ?? (() => 0.5))
  const source = new ScriptedSource(clock, script, options.latencyMs)
  const observer = recorder()
  const outcome = await clock.run(
    waitForTasks({
      ...DEFAULTS,
      source,
      clock,
      observer,
      ...options
    })
  )
  return { outcome, source, observer, clock }
}

describe('polling one task', () => {
  it('polls at once, then every interval while the task is young, and stops at SUCCESS', async () => {
    const { outcome, source, observer } = await wait(endsAt(12_000))
    expect(source.times('task-1')).toEqual([0, 5_000, 10_000, 15_000])
    expect(outcome.stop).toBe('finished')
    expect(outcome.tasks[0]).toMatchObject({
      status: 'SUCCESS',
      runId: 7,
      polls: 4,
      elapsedMs: 15_000
    })
    expect(observer.events).toEqual(['task-1:PENDING', 'task-1:SUCCESS'])
  })

  it('pauses a fifth of the time waited (less up to 20% jitter) once that exceeds interval', async () => {
    const { source } = await wait(endsAt(600_000))
    const times = source.times('task-1')
    for (let i = 1; i < times.length; i++) {
      const waited = times[i - 1]
      const base = Math.min(Math.max(waited / 5, 5_000), 30_000)
      expect(times[i] - times[i - 1]).toBeCloseTo(Math.max(5_000, base * 0.9), 0)
    }
    expect(times.at(-1)! - 600_000).toBeLessThanOrEqual(30_000)
    expect(times.length).toBeLessThan(40)
  })

  it.each(['ERROR', 'TIMEOUT', 'PAYMENT_REQUIRED'])('stops at %s', async end => {
    const { outcome, source } = await wait(endsAt(7_000, end))
    expect(source.calls).toHaveLength(3)
    expect(outcome.tasks[0].status).toBe(end)
    expect(outcome.stop).toBe('fail-fast')
  })

  it('keeps polling through a status it does not know, and reports that status once', async () => {
    const { outcome, observer } = await wait(
      (_, call) => (call < 4 ? status('QUEUED') : status('SUCCESS')),
      { taskIds: ['a', 'b'] }
    )
    expect(outcome.tasks.map(t => t.status)).toEqual(['SUCCESS', 'SUCCESS'])
    expect(observer.events.filter(e => e.startsWith('unknown'))).toEqual(['unknown:QUEUED'])
  })

  it('keeps the last run_id when a later reply has none', async () => {
    const { outcome } = await wait((_, call) =>
      call === 1 ? { kind: 'status', status: 'PENDING', runId: 5, message: '' } : status('SUCCESS')
    )
    expect(outcome.tasks[0].runId).toBe(5)
  })
})

describe('retrying failures', () => {
  it('backs off exponentially from interval with full jitter, and says so once per cause', async () => {
    const { outcome, source, observer } = await wait((_, call) =>
      call <= 3 ? { kind: 'retry', cause: 'HTTP 503' } : status('SUCCESS')
    )
    // random() = 0.5: half of 5 s, 10 s, 20 s.
    expect(source.times('task-1')).toEqual([0, 2_500, 7_500, 17_500])
    expect(observer.retries.map(r => r.repeated)).toEqual([false, true, true])
    expect(observer.events).toContain('recovered:task-1:3')
    expect(outcome.tasks[0]).toMatchObject({ status: 'SUCCESS', polls: 4 })
    expect(outcome.tasks[0].lastError).toBeUndefined()
  })

  it('warns once for each different cause in a streak, even when they alternate', async () => {
    const causes = ['HTTP 503', 'HTTP 503', 'connection reset', 'HTTP 503', 'connection reset']
    const { observer } = await wait((_, call) =>
      call <= 5 ? { kind: 'retry', cause: causes[call - 1] } : status('SUCCESS')
    )
    expect(observer.retries.map(r => [r.cause, r.repeated])).toEqual([
      ['HTTP 503', false],
      ['HTTP 503', true],
      ['connection reset', false],
      ['HTTP 503', true],
      ['connection reset', true]
    ])
  })

  it('warns afresh for a streak that starts after the task answered', async () => {
    const { observer } = await wait((_, call) =>
      call === 1 || call === 3
        ? { kind: 'retry', cause: 'HTTP 503' }
        : call === 2
          ? status('PENDING')
          : status('SUCCESS')
    )
    expect(observer.retries.map(r => r.repeated)).toEqual([false, false])
  })

  it('lets Retry-After set the next pause', async () => {
    const { source, observer } = await wait((_, call) =>
      call === 1 ? { kind: 'retry', cause: 'HTTP 429', retryAfterMs: 7_000 } : status('SUCCESS')
    )
    expect(source.times('task-1')).toEqual([0, 7_000])
    expect(describeRetry(observer.retries[0])).toBe('HTTP 429, Retry-After 7.0s')
  })

  it('does not turn Retry-After: 0 into a busy loop', async () => {
    const { source } = await wait((_, call) =>
      call <= 2 ? { kind: 'retry', cause: 'HTTP 503', retryAfterMs: 0 } : status('SUCCESS')
    )
    expect(source.times('task-1')).toEqual([0, 250, 500])
  })

  it('never pauses past the deadline, even when Retry-After asks for longer', async () => {
    const { outcome, source } = await wait(
      () => ({ kind: 'retry', cause: 'HTTP 429', retryAfterMs: 3_600_000 }),
      {
        timeoutMs: 60_000
      }
    )
    expect(source.calls).toHaveLength(1)
    expect(outcome.stop).toBe('deadline')
    expect(outcome.elapsedMs).toBe(60_000)
    expect(outcome.tasks[0].lastError).toBe('HTTP 429, Retry-After 1h 00m')
  })
})

describe('a task that is not found', () => {
  it('is given 10 s to appear after the first 404', async () => {
    const { outcome } = await wait((_, call) =>
      call <= 3 ? { kind: 'not-found' } : status('SUCCESS')
    )
    expect(outcome.tasks[0].status).toBe('SUCCESS')
    expect(outcome.tasks[0].failure).toBeUndefined()
  })

  it('fails naming the task once 10 s of 404s have passed', async () => {
    const { outcome, source } = await wait(() => ({ kind: 'not-found' }))
    expect(source.times('task-1').at(-1)).toBe(10_000)
    expect(outcome.tasks[0].failure).toEqual({
      kind: 'not-found',
      message: expect.stringMatching(
        /^CAMB.AI does not know task 'task-1' \(HTTP 404 for 10.0s\)\. Check that task-id/
      )
    })
    expect(outcome.stop).toBe('fail-fast')
  })
})

describe('failures that end the wait at once', () => {
  it('a rejected key stops every task, whatever fail-fast says', async () => {
    const { outcome, source } = await wait(
      taskId =>
        taskId === 'b'
          ? { kind: 'fatal', failure: { kind: 'key-rejected', message: 'rejected' } }
          : status('PENDING'),
      { taskIds: ['a', 'b', 'c'], failFast: false, latencyMs: 10 }
    )
    expect(outcome.stop).toBe('key-rejected')
    expect(source.calls).toHaveLength(3)
    expect(outcome.elapsedMs).toBe(10)
  })

  it('a redirect fails its task', async () => {
    const { outcome } = await wait(() => ({
      kind: 'fatal',
      failure: { kind: 'redirect', message: 'moved' }
    }))
    expect(outcome.tasks[0].failure?.kind).toBe('redirect')
  })
})

describe('several tasks', () => {
  it('are polled concurrently: ten tasks ending at 1..10 s take about 10 s, not 55', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `t${i + 1}`)
    const { outcome } = await wait(
      (taskId, _, elapsed) => endsAt(Number(taskId.slice(1)) * 1_000)(taskId, 0, elapsed),
      {
        taskIds: ids
      }
    )
    expect(outcome.tasks.every(t => t.status === 'SUCCESS')).toBe(true)
    expect(outcome.elapsedMs).toBe(10_000)
  })

  it('never have more than 8 requests in flight', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `t${i}`)
    const { outcome, source } = await wait(endsAt(20_000), { taskIds: ids, latencyMs: 1_000 })
    expect(source.peak).toBe(8)
    expect(outcome.peakInFlight).toBe(8)
    expect(outcome.tasks.every(t => t.status === 'SUCCESS')).toBe(true)
  })

  it('with fail-fast, stop at the first failure', async () => {
    const { outcome } = await wait(
      taskId => (taskId === 'bad' ? status('ERROR') : status('PENDING')),
      {
        taskIds: ['good', 'bad']
      }
    )
    expect(outcome.stop).toBe('fail-fast')
    expect(outcome.tasks.map(t => t.status)).toEqual(['PENDING', 'ERROR'])
    expect(outcome.elapsedMs).toBe(0)
  })

  it('without fail-fast, wait for the others after a failure', async () => {
    const { outcome } = await wait(
      (taskId, _, elapsed) =>
        taskId === 'bad' ? status('ERROR') : endsAt(30_000)(taskId, 0, elapsed),
      { taskIds: ['good', 'bad'], failFast: false }
    )
    expect(outcome.stop).toBe('finished')
    expect(outcome.tasks.map(t => t.status)).toEqual(['SUCCESS', 'ERROR'])
  })
})

describe('the deadline', () => {
  it('stops the wait exactly at timeout, with no request after it', async () => {
    const { outcome, source } = await wait(() => status('PENDING'), { timeoutMs: 120_000 })
    expect(outcome.stop).toBe('deadline')
    expect(outcome.elapsedMs).toBe(120_000)
    expect(Math.max(...source.times('task-1'))).toBeLessThan(120_000)
    expect(outcome.tasks[0]).toMatchObject({ status: 'PENDING', elapsedMs: 120_000 })
  })

  it('bounds each request by 30 s and by the time left', async () => {
    const { source } = await wait(() => status('PENDING'), { timeoutMs: 40_000, latencyMs: 10 })
    const budgets = source.calls.map(c => c.timeoutMs)
    expect(budgets[0]).toBe(30_000)
    expect(budgets.at(-1)).toBeLessThanOrEqual(40_000 - source.calls.at(-1)!.at)
  })

  it('aborts a request still in flight at the deadline', async () => {
    const { outcome } = await wait(() => status('PENDING'), {
      timeoutMs: 10_000,
      latencyMs: 60_000
    })
    expect(outcome.stop).toBe('deadline')
    expect(outcome.elapsedMs).toBe(10_000)
  })
})

describe('cancellation', () => {
  it('stops the wait at once and keeps what is known', async () => {
    const cancel = new AbortController()
    const clock = new TestClock()
    const source = new ScriptedSource(clock, () => status('PENDING'))
    const work = waitForTasks({
      ...DEFAULTS,
      taskIds: ['a'],
      source,
      clock,
      observer: recorder(),
      cancel: cancel.signal
    })
    void clock.sleep(12_000).then(() => cancel.abort())
    const outcome = await clock.run(work)
    expect(outcome.stop).toBe('cancelled')
    expect(outcome.elapsedMs).toBe(12_000)
    expect(outcome.tasks[0]).toMatchObject({ status: 'PENDING', polls: 3 })
  })

  it('sends nothing when cancelled before it starts', async () => {
    const cancel = new AbortController()
    cancel.abort()
    const { outcome, source } = await wait(() => status('PENDING'), { cancel: cancel.signal })
    expect(outcome.stop).toBe('cancelled')
    expect(source.calls).toHaveLength(0)
  })
})

describe('leftovers', () => {
  it('no timer outlives the wait, even when the status source throws', async () => {
    const clock = new TestClock()
    const work = waitForTasks({
      ...DEFAULTS,
      taskIds: ['a'],
      source: { getStatus: () => Promise.reject(new Error('bug')) },
      clock,
      observer: recorder()
    })
    await expect(clock.run(work)).rejects.toThrow('bug')
    expect(clock.pendingTimers).toBe(0)
  })

  it('no timer outlives a wait that finished normally', async () => {
    const { clock } = await wait(endsAt(0))
    expect(clock.pendingTimers).toBe(0)
  })
})

describe('retry notices', () => {
  it('count a changing Retry-After as the same cause, so a 429 storm warns once', async () => {
    const { observer } = await wait((_, call) =>
      call <= 3
        ? { kind: 'retry', cause: 'HTTP 429', retryAfterMs: call * 1_000 }
        : status('SUCCESS')
    )
    expect(observer.retries.map(r => r.repeated)).toEqual([false, true, true])
  })
})
