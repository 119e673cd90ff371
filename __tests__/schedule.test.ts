import {
  parseRetryAfter,
  pauseAfterFailure,
  pauseAfterStatus,
  untilDeadline
} from '../src/schedule.js'
import { seededRandom } from '../test/support/virtual-clock.js'

const pacing = { intervalMs: 5_000, maxIntervalMs: 30_000 }
const noJitter = (): number => 0
const fullJitter = (): number => 0.999999

describe('pause after a status reply', () => {
  it('is a fifth of the time waited so far', () => {
    expect(pauseAfterStatus(100_000, pacing, noJitter)).toBe(20_000)
  })

  it('is never shorter than interval', () => {
    expect(pauseAfterStatus(0, pacing, noJitter)).toBe(5_000)
    expect(pauseAfterStatus(10_000, pacing, fullJitter)).toBe(5_000)
  })

  it('is never longer than max-interval', () => {
    expect(pauseAfterStatus(3_600_000, pacing, noJitter)).toBe(30_000)
  })

  it('is shortened by a random 0 to 20%, but not below interval', () => {
    const random = seededRandom(7)
    for (let i = 0; i < 1000; i++) {
      const pause = pauseAfterStatus(100_000, pacing, random)
      expect(pause).toBeGreaterThan(16_000 - 1e-9)
      expect(pause).toBeLessThanOrEqual(20_000)
    }
    expect(pauseAfterStatus(100_000, pacing, fullJitter)).toBeCloseTo(16_000, 0)
  })

  it('notices the end of a long task within 20% of its run time', () => {
    for (const endsAt of [60_000, 120_000, 600_000, 1_800_000]) {
      let t = 0
      while (t < endsAt) t += pauseAfterStatus(t, pacing, seededRandom(endsAt))
      expect(t - endsAt).toBeLessThanOrEqual(Math.min(0.2 * endsAt, pacing.maxIntervalMs))
    }
  })
})

describe('pause after a failed attempt', () => {
  it('doubles from interval up to max-interval', () => {
    const ceilings = [1, 2, 3, 4, 5].map(n => pauseAfterFailure(n, pacing, fullJitter))
    expect(ceilings.map(Math.round)).toEqual([5_000, 10_000, 20_000, 30_000, 30_000])
  })

  it('is what Retry-After asked for, when the server sent one', () => {
    expect(pauseAfterFailure(1, pacing, fullJitter, 7_000)).toBe(7_000)
    expect(pauseAfterFailure(9, pacing, fullJitter, 120_000)).toBe(120_000)
  })

  it('is never shorter than 250 ms, even when Retry-After says 0', () => {
    expect(pauseAfterFailure(1, pacing, fullJitter, 0)).toBe(250)
  })

  it('uses full jitter: anywhere from zero to the ceiling', () => {
    expect(pauseAfterFailure(2, pacing, noJitter)).toBe(0)
    expect(pauseAfterFailure(2, pacing, () => 0.5)).toBe(5_000)
  })
})

describe('Retry-After', () => {
  const now = Date.UTC(2026, 11, 4, 12, 0, 0)

  it('honours Retry-After given in seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7_000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('1.5', now)).toBe(1_500)
  })

  it('honours Retry-After given as an HTTP date', () => {
    expect(parseRetryAfter('Fri, 04 Dec 2026 12:00:09 GMT', now)).toBe(9_000)
  })

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfter('Fri, 04 Dec 2026 11:00:00 GMT', now)).toBe(0)
  })

  it('ignores a header that is absent or unreadable', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('-3', now)).toBeUndefined()
    expect(parseRetryAfter('', now)).toBeUndefined()
  })
})

describe('deadline', () => {
  it('cuts a pause so that it ends at the deadline', () => {
    expect(untilDeadline(10_000, 1_000, 5_000)).toBe(4_000)
    expect(untilDeadline(1_000, 1_000, 5_000)).toBe(1_000)
    expect(untilDeadline(1_000, 6_000, 5_000)).toBe(0)
  })
})
