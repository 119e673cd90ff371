const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const PLAIN_SECONDS = /^\d+(\.\d+)?$/
const WITH_UNITS = /^(\d+(\.\d+)?\s*(ms|s|m|h)\s*)+$/i
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h)/gi

/**
 * Reads `90`, `2.5`, `500ms`, `15m`, `1h30m` (case and inner spaces do not matter) as
 * milliseconds, or `undefined` when the text is not a duration. Plain numbers are seconds,
 * as in GitHub's own `timeout-minutes` habit of unit-less numbers.
 */
export function parseDuration(text: string): number | undefined {
  const value = text.trim()
  if (PLAIN_SECONDS.test(value)) return Math.round(Number(value) * 1000)
  if (!WITH_UNITS.test(value)) return undefined
  let total = 0
  for (const [, amount, unit] of value.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit.toLowerCase()]
  }
  return Math.round(total)
}

/** `850ms`, `12.3s`, `4m 05s`, `1h 02m`: short enough for a log line, exact enough to act on. */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, ms)
  if (safe < 1000) return `${Math.round(safe)}ms`
  if (safe < 60_000) return `${(safe / 1000).toFixed(1)}s`
  const totalSeconds = Math.round(safe / 1000)
  const hours = Math.floor(totalSeconds / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  const pad = (n: number): string => String(n).padStart(2, '0')
  return hours > 0 ? `${hours}h ${pad(minutes)}m` : `${minutes}m ${pad(seconds)}s`
}

/** Seconds with one decimal, the form of the `elapsed` output. */
export function toSeconds(ms: number): number {
  return Math.round(Math.max(0, ms) / 100) / 10
}
