import { judge } from '../src/report.js'
import type { TaskResult, WaitOutcome } from '../src/waiter.js'

const task = (taskId: string, fields: Partial<TaskResult> = {}): TaskResult => ({
  taskId,
  status: '',
  runId: null,
  message: '',
  polls: 1,
  elapsedMs: 1_000,
  ...fields
})

const outcome = (stop: WaitOutcome['stop'], tasks: TaskResult[]): WaitOutcome => ({
  tasks,
  stop,
  elapsedMs: 12_000,
  peakInFlight: 1
})

const context = { timeoutMs: 60_000 }

describe('the status output', () => {
  it('is SUCCESS only when every task succeeded', () => {
    const verdict = judge(
      outcome('finished', [task('a', { status: 'SUCCESS' }), task('b', { status: 'SUCCESS' })]),
      context
    )
    expect(verdict).toMatchObject({
      passed: true,
      status: 'SUCCESS',
      headline: 'All 2 tasks succeeded in 12.0s'
    })
  })

  it('is the first failed end status in input order, even after an unfinished task', () => {
    const verdict = judge(
      outcome('fail-fast', [
        task('a', { status: 'PENDING' }),
        task('b', { status: 'TIMEOUT' }),
        task('c', { status: 'ERROR' })
      ]),
      context
    )
    expect(verdict.status).toBe('TIMEOUT')
  })

  it('is the last status of the first unfinished task when time ran out', () => {
    const verdict = judge(
      outcome('deadline', [task('a', { status: 'SUCCESS' }), task('b', { status: 'PENDING' })]),
      context
    )
    expect(verdict).toMatchObject({
      status: 'PENDING',
      timedOut: true,
      headline: 'Timed out after 1m 00s: 1 of 2 tasks unfinished'
    })
  })

  it('is empty when the API never answered', () => {
    expect(judge(outcome('deadline', [task('a')]), context).status).toBe('')
  })
})

describe('headlines', () => {
  it('counts failures beside a timeout', () => {
    const verdict = judge(
      outcome('deadline', [task('a', { status: 'ERROR' }), task('b', { status: 'PENDING' })]),
      { ...context }
    )
    expect(verdict.headline).toBe('Timed out after 1m 00s: 1 of 2 tasks unfinished, 1 failed')
  })

  it('names the signal that cancelled the run', () => {
    const verdict = judge(outcome('cancelled', [task('a', { status: 'PENDING' })]), {
      ...context,
      cancelledBy: 'SIGTERM'
    })
    expect(verdict.headline).toBe('Cancelled by SIGTERM after 12.0s')
    expect(verdict.annotations).toEqual([
      {
        title: 'Wait cancelled',
        message: 'Cancelled by SIGTERM after 12.0s; 1 task still unfinished.'
      }
    ])
  })

  it('says the key was rejected, in one annotation however many tasks there are', () => {
    const rejected = {
      kind: 'key-rejected' as const,
      message: 'CAMB.AI rejected the API key (HTTP 403).'
    }
    const verdict = judge(
      outcome('key-rejected', [task('a', { failure: rejected }), task('b')]),
      context
    )
    expect(verdict.headline).toBe('CAMB.AI rejected the API key')
    expect(verdict.annotations).toEqual([
      { title: 'CAMB.AI API key rejected', message: rejected.message }
    ])
  })
})

describe('annotations', () => {
  it('do not blame tasks that fail-fast stopped waiting for', () => {
    const verdict = judge(
      outcome('fail-fast', [task('a', { status: 'PENDING' }), task('b', { status: 'ERROR' })]),
      context
    )
    expect(verdict.annotations.map(a => a.title)).toEqual(['CAMB.AI task b'])
  })

  it('fold everything past ten into one', () => {
    const tasks = Array.from({ length: 25 }, (_, i) => task(`t${i}`, { status: 'ERROR' }))
    const verdict = judge(outcome('finished', tasks), context)
    expect(verdict.annotations).toHaveLength(11)
    expect(verdict.annotations[10].message).toBe(
      '15 more tasks did not succeed; the job summary lists every task.'
    )
  })

  it('make a task id safe to use as a title', () => {
    const verdict = judge(outcome('finished', [task('x::error::y', { status: 'ERROR' })]), context)
    expect(verdict.annotations[0].title).toBe('CAMB.AI task x: :error: :y')
  })
})
