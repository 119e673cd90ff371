import { systemClock } from '../src/clock.js'
import { Limiter } from '../src/limiter.js'

describe('the in-flight limit', () => {
  it('runs at most `max` pieces of work at once and the rest in order', async () => {
    const limiter = new Limiter(2)
    const started: number[] = []
    const gates: Array<() => void> = []
    const never = new AbortController().signal
    const work = [0, 1, 2, 3].map(i =>
      limiter.run(never, () => {
        started.push(i)
        return new Promise<number>(resolve => gates.push(() => resolve(i)))
      })
    )
    await Promise.resolve()
    expect(started).toEqual([0, 1])
    gates[0]()
    await work[0]
    expect(started).toEqual([0, 1, 2])
    gates[1]()
    gates[2]()
    await Promise.all(work.slice(1, 3))
    gates[3]()
    expect(await Promise.all(work)).toEqual([0, 1, 2, 3])
    expect(limiter.peak).toBe(2)
  })

  it('gives up a queued place when the wait is stopped, and never runs that work', async () => {
    const limiter = new Limiter(1)
    const stop = new AbortController()
    let release = (): void => undefined
    const first = limiter.run(stop.signal, () => new Promise<void>(resolve => (release = resolve)))
    let ranSecond = false
    const second = limiter.run(stop.signal, async () => {
      ranSecond = true
    })
    stop.abort()
    expect(await second).toBeUndefined()
    release()
    await first
    expect(ranSecond).toBe(false)
    expect(await limiter.run(stop.signal, async () => 1)).toBeUndefined()
  })
})

describe('the system clock', () => {
  it('wakes a sleeper at once when its signal aborts', async () => {
    const stop = new AbortController()
    const started = systemClock.now()
    const sleeping = systemClock.sleep(60_000, stop.signal)
    stop.abort()
    await sleeping
    expect(systemClock.now() - started).toBeLessThan(1_000)
  })

  it('does not sleep at all on a signal that already aborted', async () => {
    const stop = new AbortController()
    stop.abort()
    await systemClock.sleep(60_000, stop.signal)
  })

  it('sleeps for the time asked', async () => {
    const started = systemClock.now()
    await systemClock.sleep(20)
    expect(systemClock.now() - started).toBeGreaterThanOrEqual(19)
  })
})
