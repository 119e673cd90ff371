/** The two user settings that shape the pause between polls of one task. */
export interface Pacing {
  intervalMs: number
  maxIntervalMs: number
}

/** Share of the time waited so far that the next pause lasts: notice an end within ~20%. */
const PROPORTION = 0.2
/** Largest random shortening of a pause, so runners started together drift apart. */
const JITTER = 0.2

/**
 * Pause after a status reply: a fifth of the time this task has been waited for, kept within
 * [interval, max-interval], shortened by a random 0-20% but never below `interval`. Long tasks
 * cost few requests while a task's end is still seen within about 20% of its run time.
 */
export function pauseAfterStatus(waitedMs: number, pacing: Pacing, random: () => number): number {
  const base = Math.min(Math.max(waitedMs * PROPORTION, pacing.intervalMs), pacing.maxIntervalMs)
  return Math.max(pacing.intervalMs, base * (1 - JITTER * random()))
}

/** Retry-After: 0 on every reply must not become a busy loop. */
const MIN_RETRY_AFTER_MS = 250

/**
 * Pause after the `failures`-th failed attempt in a row: what the server's Retry-After asked
 * for when it sent one; otherwise exponential from `interval` up to `max-interval`, with full
 * jitter (AWS), so a recovering server is not hit by a wave.
 */
export function pauseAfterFailure(
  failures: number,
  pacing: Pacing,
  random: () => number,
  retryAfterMs?: number
): number {
  if (retryAfterMs !== undefined) return Math.max(retryAfterMs, MIN_RETRY_AFTER_MS)
  const ceiling = Math.min(pacing.maxIntervalMs, pacing.intervalMs * 2 ** Math.max(0, failures - 1))
  return ceiling * random()
}

/**
 * Reads a Retry-After header (RFC 9110: delay-seconds or an HTTP date) as milliseconds from
 * `nowMs`, or `undefined` when absent or unreadable.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined
  const value = header.trim()
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000)
  if (!/[a-z]/i.test(value)) return undefined
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs)
}

/** A pause shortened so that it ends no later than the deadline. */
export function untilDeadline(pauseMs: number, nowMs: number, deadlineMs: number): number {
  return Math.max(0, Math.min(pauseMs, deadlineMs - nowMs))
}
