import type { IncomingHttpHeaders } from 'node:http'
import { FAILED_STATUSES, PENDING, SUCCESS } from './constants.js'
import type { Exchange } from './http.js'
import { parseRetryAfter } from './schedule.js'
import { sanitize } from './sanitize.js'

/** Why a task failed without an end status; the message is sanitised and tells what to do. */
export interface Failure {
  kind:
    | 'key-rejected'
    | 'invalid-request'
    | 'redirect'
    | 'unexpected-reply'
    | 'tls'
    | 'not-found'
    | 'download'
  message: string
}

/** A task's state as one status reply told it. */
export interface TaskStatus {
  status: string
  runId: number | string | null
  /** The API's message and exception reason, sanitised; '' when none. */
  message: string
}

/** What one request to CAMB.AI came to, with the body read as a `T` when it could be. */
export type Reply<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'retry'; cause: string; retryAfterMs?: number }
  | { kind: 'not-found' }
  | { kind: 'fatal'; failure: Failure }
  | { kind: 'aborted' }

/** What one status request came to, in the terms the waiter acts on. */
export type StatusReply =
  ({ kind: 'status' } & TaskStatus) | Exclude<Reply<TaskStatus>, { kind: 'ok' }>

const KNOWN_STATUSES: readonly string[] = [SUCCESS, PENDING, ...FAILED_STATUSES]

/**
 * Classifies one exchange with CAMB.AI by the reply table of the README: what can succeed
 * later is retried, what cannot fails at once. `read` turns a 2xx body into a value, or
 * `undefined` when the body is unreadable (retried).
 */
export function classifyReply<T>(
  exchange: Exchange,
  nowMs: number,
  read: (body: string) => T | undefined
): Reply<T> {
  if (exchange.kind === 'aborted') return { kind: 'aborted' }
  if (exchange.kind === 'failed') {
    return exchange.transient
      ? { kind: 'retry', cause: exchange.cause }
      : {
          kind: 'fatal',
          failure: {
            kind: 'tls',
            message: `${exchange.cause} talking to CAMB.AI: check base-url and the runner's certificates or proxy.`
          }
        }
  }
  const { statusCode, body, headers } = exchange
  if (statusCode >= 200 && statusCode < 300) {
    const value = exchange.truncated ? undefined : read(body)
    if (value !== undefined) return { kind: 'ok', value }
    return { kind: 'retry', cause: `unreadable reply (HTTP ${statusCode}: ${describeBody(body)})` }
  }
  if (statusCode === 404) return { kind: 'not-found' }
  const retryable = statusCode === 408 || statusCode === 429 || statusCode >= 500
  if (retryable) {
    const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'), nowMs)
    return { kind: 'retry', cause: `HTTP ${statusCode}`, retryAfterMs }
  }
  return { kind: 'fatal', failure: describeFailure(statusCode, headers, body) }
}

/** The status endpoint's reply: either documented body shape, classified. */
export function classifyStatusReply(exchange: Exchange, nowMs: number): StatusReply {
  const reply = classifyReply(exchange, nowMs, readStatusBody)
  return reply.kind === 'ok' ? { kind: 'status', ...reply.value } : reply
}

/** Reads the status endpoint's body in either documented shape: `"PENDING"` or `{status, ...}`. */
export function readStatusBody(body: string): TaskStatus | undefined {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return undefined
  }
  if (typeof json === 'string') {
    return json.trim() ? { status: normaliseStatus(json), runId: null, message: '' } : undefined
  }
  if (!isObject(json) || typeof json.status !== 'string' || !json.status.trim()) return undefined
  const runId =
    (typeof json.run_id === 'number' && Number.isFinite(json.run_id)) ||
    typeof json.run_id === 'string'
      ? json.run_id
      : null
  return {
    status: normaliseStatus(json.status),
    runId: typeof runId === 'string' ? sanitize(runId, 64) : runId,
    message: describeMessage(json.exception_reason, json.message)
  }
}

/** Known statuses in their canonical spelling; an unknown one kept, made safe to print. */
function normaliseStatus(status: string): string {
  const upper = status.trim().toUpperCase()
  return KNOWN_STATUSES.includes(upper) ? upper : sanitize(status, 64)
}

function describeMessage(reason: unknown, message: unknown): string {
  const parts: string[] = []
  if (typeof reason === 'string' && reason.trim() && reason.trim().toUpperCase() !== 'NONE') {
    parts.push(reason)
  }
  if (typeof message === 'string' && message.trim()) parts.push(message)
  else if (isObject(message) || Array.isArray(message)) parts.push(JSON.stringify(message))
  return sanitize(parts.join(': '))
}

function describeFailure(statusCode: number, headers: IncomingHttpHeaders, body: string): Failure {
  if (statusCode === 401 || statusCode === 403) {
    const said = apiErrorText(body)
    return {
      kind: 'key-rejected',
      message:
        `CAMB.AI rejected the API key (HTTP ${statusCode}${said ? `: ${said}` : ''}). ` +
        `Check the secret passed as api-key: it must hold a current CAMB.AI API key with access to audio separation.`
    }
  }
  if (statusCode >= 300 && statusCode < 400) {
    const location = header(headers, 'location')
    return {
      kind: 'redirect',
      message:
        `CAMB.AI answered HTTP ${statusCode} pointing to ${location ? describeLocation(location) : 'no location'}. ` +
        `Redirects are not followed so that the API key stays with base-url's origin: set base-url to the API root itself.`
    }
  }
  if (statusCode === 422) {
    return {
      kind: 'invalid-request',
      message: `CAMB.AI rejected the request (HTTP 422): ${validationMessages(body)}.`
    }
  }
  return {
    kind: 'unexpected-reply',
    message: `CAMB.AI answered HTTP ${statusCode} (${describeBody(body)}); this is not a reply that waiting can change.`
  }
}

/** FastAPI's `{"detail": [{"loc": [...], "msg": "..."}]}`, else an excerpt of the body. */
export function validationMessages(body: string): string {
  try {
    const json: unknown = JSON.parse(body)
    if (isObject(json) && Array.isArray(json.detail)) {
      const messages = json.detail.filter(isObject).map(item => {
        const where = Array.isArray(item.loc) ? item.loc.join('.') : ''
        return where ? `${where}: ${String(item.msg)}` : String(item.msg)
      })
      if (messages.length > 0) return sanitize(messages.join('; '))
    }
    if (isObject(json) && typeof json.detail === 'string') return sanitize(json.detail)
  } catch {
    // not JSON: fall through to the excerpt
  }
  return describeBody(body)
}

/** `{"error": "..."}` / `{"message": "..."}` / `{"detail": "..."}` from an error body, or ''. */
function apiErrorText(body: string): string {
  try {
    const json: unknown = JSON.parse(body)
    if (isObject(json)) {
      const text = [json.error, json.message, json.detail].find(v => typeof v === 'string')
      if (typeof text === 'string') return sanitize(text, 120)
    }
  } catch {
    // an opaque body says nothing useful here
  }
  return ''
}

/** Where a redirect pointed, without its query: that may carry tokens. */
function describeLocation(location: string): string {
  try {
    const url = new URL(location)
    return sanitize(`${url.origin}${url.pathname}`, 200)
  } catch {
    return `'${sanitize(location.split('?')[0], 200)}'`
  }
}

/** An excerpt of an opaque body (it may be a proxy's HTML page). */
function describeBody(body: string): string {
  const text = sanitize(body.replace(/<[^>]*>/g, ' '), 120)
  return text ? `'${text}'` : 'empty body'
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
