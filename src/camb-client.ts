import { ACTION_NAME, ACTION_VERSION, Limits } from './constants.js'
import { exchange } from './http.js'
import { classifyStatusReply, type StatusReply } from './reply.js'

/** What the waiter needs from CAMB.AI: one status request in, one classified reply out. */
export interface StatusSource {
  getStatus(
    taskId: string,
    options: { signal: AbortSignal; timeoutMs: number }
  ): Promise<StatusReply>
}

export const USER_AGENT = `${ACTION_NAME}/${ACTION_VERSION}`

/** The CAMB.AI API at `baseUrl`; the key goes only there, only in `x-api-key`. */
export class CambClient implements StatusSource {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly now: () => number = Date.now
  ) {}

  /** The task id is one URL-encoded path segment, so no id can reach another endpoint. */
  statusUrl(taskId: string): string {
    return `${this.baseUrl}/audio-separation/${encodeURIComponent(taskId)}`
  }

  async getStatus(
    taskId: string,
    options: { signal: AbortSignal; timeoutMs: number }
  ): Promise<StatusReply> {
    const reply = await exchange({
      method: 'GET',
      url: this.statusUrl(taskId),
      headers: { 'x-api-key': this.apiKey, accept: 'application/json' },
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      userAgent: USER_AGENT,
      maxBodyBytes: Limits.maxReplyBytes
    })
    return classifyStatusReply(reply, this.now())
  }
}
