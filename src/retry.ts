import type { Clock } from './clock.js'
import type { Reply } from './reply.js'
import { pauseAfterFailure, untilDeadline, type Pacing } from './schedule.js'

export interface RetryContext {
  clock: Clock
  pacing: Pacing
  /** Nothing is attempted, and no attempt lasts, past this. */
  deadline: number
  /** Cancellation: stops at once. */
  signal: AbortSignal
  /** Told of each failed attempt before the pause; `repeated` when the cause was already told. */
  onRetry?: (cause: string, pauseMs: number, repeated: boolean) => void
}

export type RetryOutcome<T> = { ok: true; value: T } | { ok: false; message: string }

/**
 * Makes attempts until one succeeds, one fails for good, the deadline passes or the signal
 * aborts, pausing between them as the waiter does after a failure (exponential, full jitter,
 * Retry-After honoured, never past the deadline). A 404 counts as "not there yet".
 */
export async function retryUntilDeadline<T>(
  attempt: (timeLeftMs: number) => Promise<Reply<T>>,
  context: RetryContext
): Promise<RetryOutcome<T>> {
  const { clock, deadline, signal } = context
  const causes = new Set<string>()
  let lastCause = 'the deadline had already passed'
  for (let failures = 1; !signal.aborted; failures++) {
    const timeLeft = deadline - clock.now()
    if (timeLeft <= 0) break
    const reply = await attempt(timeLeft)
    if (reply.kind === 'ok') return { ok: true, value: reply.value }
    if (reply.kind === 'aborted') break
    if (reply.kind === 'fatal') return { ok: false, message: reply.failure.message }
    const cause = reply.kind === 'not-found' ? 'HTTP 404' : reply.cause
    const retryAfterMs = reply.kind === 'retry' ? reply.retryAfterMs : undefined
    const pauseMs = untilDeadline(
      pauseAfterFailure(failures, context.pacing, clock.random, retryAfterMs),
      clock.now(),
      deadline
    )
    context.onRetry?.(cause, pauseMs, causes.has(cause))
    causes.add(cause)
    lastCause = cause
    await clock.sleep(pauseMs, signal)
  }
  return {
    ok: false,
    message: signal.aborted
      ? 'cancelled'
      : `no success before the timeout ran out (last problem: ${lastCause})`
  }
}
