import { setMaxListeners } from 'node:events'
import type { StatusSource } from './camb-client.js'
import type { Clock } from './clock.js'
import { FAILED_STATUSES, Limits, PENDING, SUCCESS } from './constants.js'
import { formatDuration } from './duration.js'
import { Limiter } from './limiter.js'
import type { Failure, StatusReply, TaskStatus } from './reply.js'
import { pauseAfterFailure, pauseAfterStatus, untilDeadline, type Pacing } from './schedule.js'
import type { Stem, StemUrls } from './stems.js'

/** What is known of one task when the wait ends. */
export interface TaskResult extends TaskStatus {
  taskId: string
  /** Status requests that got an answer (any answer, failures included). */
  polls: number
  /** Time waited for this task: until it ended, or until the wait stopped. */
  elapsedMs: number
  /** Why the task failed without a failed end status (unknown task, key rejected, ...). */
  failure?: Failure
  /** The cause of the latest failed attempt, cleared by the next status reply. */
  lastError?: string
  /** Where CAMB.AI put the stems, once fetched. */
  stems?: StemUrls
  /** Where the stems were downloaded to. */
  files?: Partial<Record<Stem, string>>
  /** Why the stems could not be fetched: a warning, since the separation itself succeeded. */
  resultProblem?: string
}

/** Why the wait stopped. */
export type StopReason = 'finished' | 'deadline' | 'cancelled' | 'fail-fast' | 'key-rejected'

export interface WaitOutcome {
  /** In input order. */
  tasks: TaskResult[]
  stop: StopReason
  elapsedMs: number
  /** The most status requests that were in flight at once. */
  peakInFlight: number
}

/** A retried failure, for the log: the first of a streak is worth a warning, repeats are not. */
export interface RetryNotice {
  taskId: string
  /** What failed, such as `HTTP 503` or `connection reset`: the same words for the same fault. */
  cause: string
  /** The server's Retry-After, when it sent one. */
  retryAfterMs?: number
  pauseMs: number
  /** This cause was already reported since the task last answered. */
  repeated: boolean
}

/** `HTTP 429, Retry-After 2.0s`: the cause with the server's own advice, for the log. */
export function describeRetry(notice: RetryNotice): string {
  return notice.retryAfterMs === undefined
    ? notice.cause
    : `${notice.cause}, Retry-After ${formatDuration(notice.retryAfterMs)}`
}

/** Hears what happens while waiting; the log lives behind it, the waiter never prints. */
export interface WaitObserver {
  statusChanged(task: TaskResult): void
  /** Called once per status value the action does not know, across all tasks. */
  unknownStatus(task: TaskResult): void
  retrying(notice: RetryNotice): void
  recovered(taskId: string, failedAttempts: number): void
}

export interface WaitOptions {
  taskIds: string[]
  timeoutMs: number
  pacing: Pacing
  failFast: boolean
  source: StatusSource
  clock: Clock
  observer: WaitObserver
  /** Aborted on SIGINT/SIGTERM: the wait stops at once and reports what it knows. */
  cancel?: AbortSignal
  /** Longest one request may take, body included. */
  requestTimeoutMs: number
  maxInFlight?: number
  notFoundGraceMs?: number
}

const KNOWN = new Set<string>([SUCCESS, PENDING, ...FAILED_STATUSES])

export function isFailedStatus(status: string): boolean {
  return (FAILED_STATUSES as readonly string[]).includes(status)
}

/** A task succeeded, failed (end status or a failure), or is still unfinished. */
export function taskOutcome(task: TaskResult): 'succeeded' | 'failed' | 'unfinished' {
  if (task.status === SUCCESS && !task.failure) return 'succeeded'
  if (task.failure || isFailedStatus(task.status)) return 'failed'
  return 'unfinished'
}

/**
 * Polls every task on its own schedule until each has ended, the deadline passes, the run is
 * cancelled, or (with fail-fast) one task fails. Never throws for anything the API does, and
 * never runs past the deadline: pauses are cut to it and requests are aborted at it.
 */
export async function waitForTasks(options: WaitOptions): Promise<WaitOutcome> {
  const { clock, cancel } = options
  const started = clock.now()
  const deadline = started + options.timeoutMs
  const stop = new AbortController()
  // Every task's sleep and request listens to this one signal: many listeners are by design.
  setMaxListeners(0, stop.signal)
  const halt = (reason: StopReason): void => {
    if (!stop.signal.aborted) stop.abort(reason)
  }
  const onCancel = (): void => halt('cancelled')
  if (cancel?.aborted) halt('cancelled')
  cancel?.addEventListener('abort', onCancel, { once: true })

  const poller = new TaskPoller(options, started, deadline, stop.signal, halt)
  const tasks = options.taskIds.map(taskId => newTask(taskId))
  const deadlinePassed = clock.sleep(options.timeoutMs, stop.signal).then(() => halt('deadline'))
  try {
    await Promise.all(tasks.map(task => poller.poll(task)))
  } finally {
    // Also on a throw: no timer or listener may outlive the wait.
    halt('finished')
    await deadlinePassed
    cancel?.removeEventListener('abort', onCancel)
  }

  const elapsedMs = clock.now() - started
  for (const task of tasks) {
    if (taskOutcome(task) === 'unfinished') task.elapsedMs = elapsedMs
  }
  return {
    tasks,
    stop: stop.signal.reason as StopReason,
    elapsedMs,
    peakInFlight: poller.limiter.peak
  }
}

function newTask(taskId: string): TaskResult {
  return { taskId, status: '', runId: null, message: '', polls: 0, elapsedMs: 0 }
}

/** The polling loop of one task, with what all tasks share: clock, limiter, deadline, stop. */
class TaskPoller {
  readonly limiter: Limiter
  private readonly unknownSeen = new Set<string>()
  private readonly requestTimeoutMs: number
  private readonly notFoundGraceMs: number

  constructor(
    private readonly options: WaitOptions,
    private readonly started: number,
    private readonly deadline: number,
    private readonly stopped: AbortSignal,
    private readonly halt: (reason: StopReason) => void
  ) {
    this.limiter = new Limiter(options.maxInFlight ?? Limits.maxInFlight)
    this.requestTimeoutMs = options.requestTimeoutMs
    this.notFoundGraceMs = options.notFoundGraceMs ?? Limits.notFoundGraceMs
  }

  async poll(task: TaskResult): Promise<void> {
    const { clock, pacing } = this.options
    let failures = 0
    // Causes already reported in this streak of failures: each is worth one warning.
    const causesSeen = new Set<string>()
    let notFoundSince: number | undefined

    while (!this.stopped.aborted) {
      const reply = await this.request(task.taskId)
      if (reply === undefined) return
      const now = clock.now()
      task.polls++
      task.elapsedMs = now - this.started

      let pauseMs: number
      if (reply.kind === 'status') {
        if (failures > 0) this.options.observer.recovered(task.taskId, failures)
        failures = 0
        causesSeen.clear()
        notFoundSince = undefined
        task.lastError = undefined
        this.record(task, reply)
        if (taskOutcome(task) !== 'unfinished') {
          if (isFailedStatus(task.status) && this.options.failFast) this.halt('fail-fast')
          return
        }
        pauseMs = pauseAfterStatus(task.elapsedMs, pacing, clock.random)
      } else if (reply.kind === 'fatal') {
        this.fail(task, reply.failure)
        return
      } else {
        failures++
        const cause =
          reply.kind === 'not-found'
            ? 'HTTP 404 (a new task can take a moment to appear)'
            : reply.cause
        const retryAfterMs = reply.kind === 'retry' ? reply.retryAfterMs : undefined
        if (reply.kind === 'not-found') {
          notFoundSince ??= now
          const graceLeft = notFoundSince + this.notFoundGraceMs - now
          if (graceLeft <= 0) {
            this.fail(task, notFound(task.taskId, this.notFoundGraceMs))
            return
          }
          pauseMs = Math.min(pauseAfterFailure(failures, pacing, clock.random), graceLeft)
        } else {
          pauseMs = pauseAfterFailure(failures, pacing, clock.random, retryAfterMs)
        }
        pauseMs = untilDeadline(pauseMs, clock.now(), this.deadline)
        const notice = {
          taskId: task.taskId,
          cause,
          retryAfterMs,
          pauseMs,
          repeated: causesSeen.has(cause)
        }
        task.lastError = describeRetry(notice)
        this.options.observer.retrying(notice)
        causesSeen.add(cause)
      }
      await clock.sleep(untilDeadline(pauseMs, clock.now(), this.deadline), this.stopped)
    }
  }

  /** One status request within the shared limit, bounded by the request timeout and the deadline. */
  private async request(
    taskId: string
  ): Promise<Exclude<StatusReply, { kind: 'aborted' }> | undefined> {
    const reply = await this.limiter.run(this.stopped, () => {
      const timeLeft = this.deadline - this.options.clock.now()
      if (timeLeft <= 0) {
        this.halt('deadline')
        return Promise.resolve(undefined)
      }
      return this.options.source.getStatus(taskId, {
        signal: this.stopped,
        timeoutMs: Math.min(this.requestTimeoutMs, timeLeft)
      })
    })
    return reply === undefined || reply.kind === 'aborted' ? undefined : reply
  }

  private record(task: TaskResult, reply: TaskStatus): void {
    const changed = reply.status !== task.status
    task.status = reply.status
    task.runId = reply.runId ?? task.runId
    task.message = reply.message
    if (!KNOWN.has(task.status) && !this.unknownSeen.has(task.status)) {
      this.unknownSeen.add(task.status)
      this.options.observer.unknownStatus(task)
    }
    if (changed) this.options.observer.statusChanged(task)
  }

  private fail(task: TaskResult, failure: Failure): void {
    task.failure = failure
    if (failure.kind === 'key-rejected') this.halt('key-rejected')
    else if (this.options.failFast) this.halt('fail-fast')
  }
}

function notFound(taskId: string, graceMs: number): Failure {
  return {
    kind: 'not-found',
    message:
      `CAMB.AI does not know task '${taskId}' (HTTP 404 for ${formatDuration(graceMs)}). ` +
      `Check that task-id is the task_id returned by POST /audio-separation, and that api-key belongs to the same CAMB.AI account.`
  }
}
