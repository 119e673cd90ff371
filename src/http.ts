import type { IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http'
import * as core from '@actions/core'
import { HttpClient, type HttpClientResponse } from '@actions/http-client'
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import { formatDuration } from './duration.js'
import { sanitize } from './sanitize.js'

/** One HTTP request, bounded in time from the first byte sent to the last byte read. */
export interface ExchangeRequest {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  body?: string
  /** Aborting it ends the exchange at once with `aborted`. */
  signal: AbortSignal
  /** The whole exchange, reading the body included, ends within this. */
  timeoutMs: number
  userAgent: string
  /** Bodies beyond this are cut off and flagged `truncated`. */
  maxBodyBytes: number
}

export type Exchange =
  | {
      kind: 'response'
      statusCode: number
      headers: IncomingHttpHeaders
      body: string
      truncated: boolean
    }
  /** No usable reply: `transient` says whether trying again can help. */
  | { kind: 'failed'; cause: string; transient: boolean }
  | { kind: 'aborted' }

/**
 * Sends one request with @actions/http-client (for its proxy support) and never follows a
 * redirect, so the key cannot reach another origin. http-client alone can hang forever on a
 * stalled body; here one timer covers the whole exchange and destroys the socket when it fires.
 */
export async function exchange(request: ExchangeRequest): Promise<Exchange> {
  const timer = new AbortController()
  const timeout = setTimeout(() => timer.abort(), request.timeoutMs)
  const signal = AbortSignal.any([request.signal, timer.signal])
  const client = new HttpClient(request.userAgent, [new AbortOnSignal(signal)], {
    allowRedirects: false,
    allowRetries: false,
    keepAlive: false,
    socketTimeout: request.timeoutMs
  })
  const started = performance.now()
  try {
    const response: HttpClientResponse = await client.request(
      request.method,
      request.url,
      request.body ?? null,
      request.headers
    )
    const { text, truncated } = await readBody(response.message, request.maxBodyBytes)
    const statusCode = response.message.statusCode ?? 0
    core.debug(
      `${request.method} ${request.url} -> HTTP ${statusCode}, ${text.length} bytes in ${formatDuration(performance.now() - started)}`
    )
    return {
      kind: 'response',
      statusCode,
      headers: response.message.headers,
      body: text,
      truncated
    }
  } catch (error) {
    if (request.signal.aborted) return { kind: 'aborted' }
    const failure = timer.signal.aborted
      ? { cause: `no complete reply within ${formatDuration(request.timeoutMs)}`, transient: true }
      : describeNetworkError(error)
    core.debug(`${request.method} ${request.url} -> ${failure.cause}`)
    return { kind: 'failed', ...failure }
  } finally {
    clearTimeout(timeout)
  }
}

/** Hands the abort signal to Node's request, which then destroys the socket on abort. */
export class AbortOnSignal implements RequestHandler {
  constructor(private readonly signal: AbortSignal) {}
  prepareRequest(options: RequestOptions): void {
    options.signal = this.signal
  }
  canHandleAuthentication(): boolean {
    return false
  }
  handleAuthentication(): Promise<HttpClientResponse> {
    return Promise.reject(new Error('authentication handlers are not used'))
  }
}

/** Reads a body that may stall, reset or be huge; settles on every one of those. */
function readBody(
  message: IncomingMessage,
  maxBytes: number
): Promise<{ text: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    message.on('data', (chunk: Buffer) => {
      if (size + chunk.length > maxBytes) {
        chunks.push(chunk.subarray(0, maxBytes - size))
        message.destroy()
        resolve({ text: Buffer.concat(chunks).toString('utf8'), truncated: true })
        return
      }
      size += chunk.length
      chunks.push(chunk)
    })
    message.on('end', () =>
      resolve({ text: Buffer.concat(chunks).toString('utf8'), truncated: false })
    )
    message.on('error', reject)
    message.on('close', () => {
      if (!message.complete)
        reject(Object.assign(new Error('reply cut off'), { code: 'ECONNRESET' }))
    })
  })
}

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/

/** Names a transport failure in a user's words and says whether a retry can help. */
export function describeNetworkError(error: unknown): { cause: string; transient: boolean } {
  const code = String((error as { code?: unknown })?.code ?? '')
  const message = error instanceof Error ? error.message : String(error)
  if (TLS_CODE.test(code)) return { cause: `TLS error (${sanitize(code, 60)})`, transient: false }
  switch (code) {
    case 'ECONNREFUSED':
      return { cause: 'connection refused', transient: true }
    case 'ECONNRESET':
      return {
        cause:
          message === 'socket hang up' ? 'connection closed before the reply' : 'connection reset',
        transient: true
      }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { cause: `DNS lookup failed (${code})`, transient: true }
    case '':
      return { cause: `network error (${sanitize(message, 120)})`, transient: true }
    default:
      return { cause: `network error (${sanitize(code, 60)})`, transient: true }
  }
}
