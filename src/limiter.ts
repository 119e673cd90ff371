/** Caps how many requests are in flight at once, however many tasks are waited for. */
export class Limiter {
  private active = 0
  private readonly queue: Array<() => void> = []
  /** The most that were ever in flight at once. */
  peak = 0

  constructor(private readonly max: number) {}

  /**
   * Runs `work` when a place is free. Returns `undefined` without running it when `signal`
   * aborts first, so a stopped wait does not queue requests.
   */
  async run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T | undefined> {
    if (!(await this.acquire(signal))) return undefined
    try {
      return await work()
    } finally {
      this.release()
    }
  }

  private acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false)
    if (this.active < this.max) {
      this.take()
      return Promise.resolve(true)
    }
    return new Promise(resolve => {
      const onAbort = (): void => {
        this.queue.splice(this.queue.indexOf(grant), 1)
        resolve(false)
      }
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort)
        this.take()
        resolve(true)
      }
      this.queue.push(grant)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  private take(): void {
    this.active++
    this.peak = Math.max(this.peak, this.active)
  }

  private release(): void {
    this.active--
    this.queue.shift()?.()
  }
}
