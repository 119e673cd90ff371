import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { HttpClient } from '@actions/http-client'
import { USER_AGENT } from './camb-client.js'
import { formatDuration } from './duration.js'
import { AbortOnSignal, describeNetworkError } from './http.js'
import type { Reply } from './reply.js'
import { retryUntilDeadline, type RetryContext, type RetryOutcome } from './retry.js'

/** Errors of the local disk: retrying cannot help. */
const DISK_ERRORS = new Set([
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EROFS',
  'EISDIR',
  'ENOTDIR',
  'EDQUOT',
  'EMFILE'
])

/**
 * A file name for a task's stem: the task id made safe for any file system, with a short hash
 * of the real id when anything had to change, so that two ids can never share a file.
 */
export function stemFileName(taskId: string, stem: string, extension: string): string {
  const safe = taskId
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 120)
  const suffix =
    safe === taskId
      ? ''
      : `-${crypto.createHash('sha256').update(taskId).digest('hex').slice(0, 8)}`
  return `${safe}${suffix}-${stem}${extension}`
}

/**
 * Downloads `url` to `file`, streaming (a stem can be gigabytes), retrying what can pass,
 * checking the length when the server states one. The bytes land in `<file>.part` and are
 * renamed only when complete, so a partial file never carries the final name. The API key is
 * never sent: the URL is signed and may point anywhere.
 */
export async function downloadFile(
  url: string,
  file: string,
  context: RetryContext & { idleTimeoutMs: number }
): Promise<RetryOutcome<number>> {
  const partial = `${file}.part`
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true })
  } catch (error) {
    const code = String((error as { code?: unknown }).code)
    return { ok: false, message: `cannot create ${path.dirname(file)} (${code})` }
  }
  const outcome = await retryUntilDeadline(
    timeLeftMs =>
      fetchToFile(
        url,
        partial,
        context.signal,
        Math.min(timeLeftMs, 2 ** 31 - 1),
        context.idleTimeoutMs
      ),
    context
  )
  if (outcome.ok) fs.renameSync(partial, file)
  else fs.rmSync(partial, { force: true })
  return outcome
}

async function fetchToFile(
  url: string,
  file: string,
  cancel: AbortSignal,
  timeLeftMs: number,
  idleTimeoutMs: number
): Promise<Reply<number>> {
  const idle = new AbortController()
  const timer = setTimeout(() => idle.abort(), idleTimeoutMs)
  const deadline = AbortSignal.timeout(Math.max(1, Math.floor(timeLeftMs)))
  const signal = AbortSignal.any([cancel, deadline, idle.signal])
  const client = new HttpClient(USER_AGENT, [new AbortOnSignal(signal)], {
    allowRedirects: true,
    maxRedirects: 5,
    keepAlive: false
  })
  try {
    const response = await client.get(url)
    const code = response.message.statusCode ?? 0
    if (code < 200 || code >= 300) {
      response.message.destroy()
      if (code === 408 || code === 429 || code >= 500)
        return { kind: 'retry', cause: `HTTP ${code}` }
      const hint = code === 403 ? ' (a signed URL may have expired)' : ''
      return {
        kind: 'fatal',
        failure: { kind: 'unexpected-reply', message: `HTTP ${code}${hint}` }
      }
    }
    const stated = Number(response.message.headers['content-length'])
    let bytes = 0
    response.message.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      timer.refresh()
    })
    await pipeline(response.message, fs.createWriteStream(file), { signal })
    if (Number.isFinite(stated) && bytes !== stated) {
      return { kind: 'retry', cause: `cut short: ${bytes} of ${stated} bytes` }
    }
    return { kind: 'ok', value: bytes }
  } catch (error) {
    if (cancel.aborted || deadline.aborted) return { kind: 'aborted' }
    if (idle.signal.aborted)
      return { kind: 'retry', cause: `no data for ${formatDuration(idleTimeoutMs)}` }
    const code = String((error as { code?: unknown }).code ?? '')
    if (DISK_ERRORS.has(code)) {
      return {
        kind: 'fatal',
        failure: { kind: 'download', message: `cannot write ${file} (${code})` }
      }
    }
    const failure = describeNetworkError(error)
    return failure.transient
      ? { kind: 'retry', cause: failure.cause }
      : { kind: 'fatal', failure: { kind: 'tls', message: failure.cause } }
  } finally {
    clearTimeout(timer)
  }
}
