import type { Clock } from '../../src/clock.js'

interface Timer {
  at: number
  order: number
  wake: () => void
}

/**
 * A clock whose time moves only when every pending promise has settled and someone is asleep:
 * it then jumps to the earliest wake-up. Hours of polling run in milliseconds, deterministically.
 */
export class VirtualClock implements Clock {
  private time: number
  private order = 0
  private timers: Timer[] = []

  constructor(
    start = Date.UTC(2026, 0, 1),
    readonly random: () => number = () => 0.5
  ) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  /** Sleeps not yet woken or aborted: a finished piece of work should leave none. */
  get pendingTimers(): number {
    return this.timers.length
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise(resolve => {
      if (signal?.aborted) return resolve()
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        order: this.order++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
      }
      const onAbort = (): void => {
        this.timers = this.timers.filter(t => t !== timer)
        resolve()
      }
      this.timers.push(timer)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Drives time forward until `work` settles; fails if it waits on anything but this clock. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false
    work.then(
      () => (settled = true),
      () => (settled = true)
    )
    for (;;) {
      for (let i = 0; i < 20 && !settled; i++) await new Promise(r => setImmediate(r))
      if (settled) return work
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order)
      const next = this.timers.shift()
      if (!next)
        throw new Error('VirtualClock: the work is waiting on something other than the clock')
      this.time = Math.max(this.time, next.at)
      next.wake()
    }
  }
}

/** A deterministic random source (mulberry32) for schedule tests that want variety. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
