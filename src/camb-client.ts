import { ACTION_NAME, ACTION_VERSION, Limits } from './constants.js'
import { exchange } from './http.js'
import { classifyReply, classifyStatusReply, type Reply, type StatusReply } from './reply.js'
import { readBulkResultBody, readResultBody, type StemUrls } from './stems.js'

/** What the waiter needs from CAMB.AI: one status request in, one classified reply out. */
export interface StatusSource {
  getStatus(taskId: string, options: RequestOptions): Promise<StatusReply>
}

/** What fetching the stems needs from CAMB.AI. */
export interface ResultSource {
  getResult(runId: string, options: RequestOptions): Promise<Reply<StemUrls>>
  getResults(runIds: string[], options: RequestOptions): Promise<Reply<Map<string, StemUrls>>>
}

export interface RequestOptions {
  signal: AbortSignal
  timeoutMs: number
}

export const USER_AGENT = `${ACTION_NAME}/${ACTION_VERSION}`

/** The CAMB.AI API at `baseUrl`; the key goes only there, only in `x-api-key`. */
export class CambClient implements StatusSource, ResultSource {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly now: () => number = Date.now
  ) {}

  /** The task id is one URL-encoded path segment, so no id can reach another endpoint. */
  async getStatus(taskId: string, options: RequestOptions): Promise<StatusReply> {
    const reply = await this.send('GET', `audio-separation/${encodeURIComponent(taskId)}`, options)
    return classifyStatusReply(reply, this.now())
  }

  /** `GET /audio-separation-result/{run_id}`: one run's stem URLs. */
  async getResult(runId: string, options: RequestOptions): Promise<Reply<StemUrls>> {
    const reply = await this.send(
      'GET',
      `audio-separation-result/${encodeURIComponent(runId)}`,
      options
    )
    return classifyReply(reply, this.now(), readResultBody)
  }

  /** `POST /audio-separation-results` with `{"run_ids": [...]}`: many runs in one request. */
  async getResults(
    runIds: string[],
    options: RequestOptions
  ): Promise<Reply<Map<string, StemUrls>>> {
    const ids = runIds.map(id => (/^\d+$/.test(id) ? Number(id) : id))
    const reply = await this.send(
      'POST',
      'audio-separation-results',
      options,
      JSON.stringify({ run_ids: ids })
    )
    return classifyReply(reply, this.now(), readBulkResultBody)
  }

  private send(method: 'GET' | 'POST', path: string, options: RequestOptions, body?: string) {
    return exchange({
      method,
      url: `${this.baseUrl}/${path}`,
      headers: {
        'x-api-key': this.apiKey,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' })
      },
      body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      userAgent: USER_AGENT,
      maxBodyBytes: Limits.maxReplyBytes
    })
  }
}
