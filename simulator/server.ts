import crypto from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseTaskId, type Fault, type Scenario } from './scenario.js'

/** One request as the simulator received it. */
export interface SimulatorRequest {
  at: number
  method: string
  path: string
  headers: http.IncomingHttpHeaders
}

export interface SimulatorOptions {
  /** The key clients must send in x-api-key (401 otherwise). */
  apiKey?: string
  /** Scenarios by task id; ids not listed are read with parseTaskId. */
  tasks?: Record<string, Scenario>
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number
  /** Where the `redirect` fault points: another origin, which must never see the key. */
  redirectTo?: string
  /** Size of each simulated stem file. */
  stemBytes?: number
  /** The bulk result endpoint answers normally, or with HTTP 500 (to test the fallback). */
  bulk?: 'ok' | 'fail'
  /** Faults served, one per stem file request in this order, before files are served whole. */
  fileFaults?: FileFault[]
  /** Added before every API reply, as a far-away server would take. */
  latencyMs?: number
}

export type FileFault = 'truncate' | 'stall' | 'http-500' | 'http-403'

export interface Simulator {
  /** The API root to give the action as base-url, such as http://127.0.0.1:PORT/apis. */
  baseUrl: string
  apiKey: string
  requests: SimulatorRequest[]
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight: number
  peakInFlight: number
  /** Adds or replaces a scenario while running. */
  setTask(taskId: string, scenario: Scenario): void
  close(): Promise<void>
}

export const DEFAULT_API_KEY = 'sim-key'
const RUN_ID_BASE = 11_000

/**
 * A CAMB.AI stand-in on 127.0.0.1, speaking the two endpoints the action uses, with scripted
 * end states and faults. Each task's clock starts at its first request, so a test's timing
 * does not depend on when the simulator started.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const apiKey = options.apiKey ?? DEFAULT_API_KEY
  const tasks = new Map(Object.entries(options.tasks ?? {}))
  const firstSeen = new Map<string, number>()
  const served = new Map<string, number>()
  const runIds = new Map<string, number>()
  const stemBytes = options.stemBytes ?? 256 * 1024
  const fileFaults = [...(options.fileFaults ?? [])]

  const state: Simulator = {
    baseUrl: '',
    apiKey,
    requests: [],
    inFlight: 0,
    peakInFlight: 0,
    setTask: (taskId, scenario) => tasks.set(taskId, scenario),
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    state.requests.push({ at: Date.now(), method: req.method ?? '', path, headers: req.headers })
    state.inFlight++
    state.peakInFlight = Math.max(state.peakInFlight, state.inFlight)
    let counted = true
    const done = (): void => {
      if (counted) state.inFlight--
      counted = false
    }
    res.on('close', done)
    res.on('finish', done)

    const file = /^\/files\/(\d+)\/(foreground|background)\.flac$/.exec(path)
    if (file && req.method === 'GET') {
      return serveStem(req, res, `${file[1]}-${file[2]}`, stemBytes, fileFaults.shift())
    }
    if (req.headers['x-api-key'] !== apiKey) {
      return sendJson(res, 401, { error: 'Invalid API key', status: 401 })
    }
    const status = /^\/apis\/audio-separation\/([^/]+)$/.exec(path)
    if (status && req.method === 'GET') {
      const taskId = decodeURIComponent(status[1])
      if (!options.latencyMs) return answerStatus(taskId, req, res)
      return void setTimeout(() => answerStatus(taskId, req, res), options.latencyMs)
    }
    const result = /^\/apis\/audio-separation-result\/(\d+)$/.exec(path)
    if (result && req.method === 'GET') return sendJson(res, 200, stemUrls(result[1]))
    if (path === '/apis/audio-separation-results' && req.method === 'POST') {
      if (options.bulk === 'fail') return sendJson(res, 500, { detail: 'Internal Server Error' })
      return readJson(req, body => {
        const runIds = (body as { run_ids?: unknown[] } | undefined)?.run_ids
        if (!Array.isArray(runIds))
          return sendJson(res, 422, {
            detail: [{ loc: ['body', 'run_ids'], msg: 'field required' }]
          })
        sendJson(res, 200, Object.fromEntries(runIds.map(id => [String(id), stemUrls(String(id))])))
      })
    }
    sendJson(res, 404, { detail: 'Not Found' })
  })

  function stemUrls(runId: string): Record<string, string> {
    const base = `http://127.0.0.1:${port()}/files/${runId}`
    return {
      foreground_audio_url: `${base}/foreground.flac?signature=sim-signed-${runId}`,
      background_audio_url: `${base}/background.flac?signature=sim-signed-${runId}`
    }
  }

  function answerStatus(taskId: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    const scenario = tasks.get(taskId) ?? parseTaskId(taskId)
    if (!scenario) return sendJson(res, 404, { detail: 'Task not found' })
    const now = Date.now()
    if (!firstSeen.has(taskId)) firstSeen.set(taskId, now)
    const age = now - firstSeen.get(taskId)!
    const count = served.get(taskId) ?? 0
    served.set(taskId, count + 1)

    const fault = scenario.faults[count]
    if (fault) return serveFault(fault, req, res)
    if (age < scenario.notFoundForMs) return sendJson(res, 404, { detail: 'Task not found' })

    const ended = scenario.end !== null && age >= scenario.afterMs
    const statusText = ended ? scenario.end! : scenario.runningStatus
    if (scenario.shape === 'string') return sendJson(res, 200, statusText)
    if (ended && !runIds.has(taskId)) runIds.set(taskId, RUN_ID_BASE + runIds.size + 1)
    const failed = ended && scenario.end !== 'SUCCESS'
    sendJson(res, 200, {
      status: statusText,
      run_id: ended && scenario.end === 'SUCCESS' ? runIds.get(taskId) : null,
      ...(failed && {
        exception_reason:
          scenario.exceptionReason ??
          (scenario.end === 'PAYMENT_REQUIRED' ? 'PAYMENT_REQUIRED' : 'PROCESSING_ERROR'),
        message: scenario.message ?? `Simulated ${scenario.end}`
      })
    })
  }

  function serveFault(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse): void {
    switch (fault) {
      case 'http-500':
      case 'http-502':
      case 'http-503':
      case 'http-504':
        res.writeHead(Number(fault.slice(5)), { 'content-type': 'text/plain' })
        return void res.end('Service unavailable')
      case 'http-429-seconds':
        return sendJson(res, 429, { error: 'Too many requests' }, { 'retry-after': '1' })
      case 'http-429-date':
        return sendJson(
          res,
          429,
          { error: 'Too many requests' },
          { 'retry-after': new Date(Date.now() + 2_000).toUTCString() }
        )
      case 'reset-before-headers':
        return void req.socket.destroy()
      case 'reset-mid-body':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '64' })
        res.write('{"status": "PEN')
        return void setTimeout(() => req.socket.destroy(), 50)
      case 'stall-body':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '64' })
        return void res.write('{"status": ')
      case 'stall-headers':
        return
      case 'not-json':
        res.writeHead(200, { 'content-type': 'application/json' })
        return void res.end('{"status": PENDING')
      case 'html-error':
        res.writeHead(502, { 'content-type': 'text/html' })
        return void res.end(
          '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>'
        )
      case 'redirect':
        res.writeHead(302, {
          location: `${options.redirectTo ?? 'http://127.0.0.2:9'}${req.url ?? '/'}`
        })
        return void res.end()
    }
  }

  await new Promise<void>(resolve => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const port = (): number => (server.address() as AddressInfo).port
  state.baseUrl = `http://127.0.0.1:${port()}/apis`
  return state
}

function sendJson(
  res: http.ServerResponse,
  code: number,
  value: unknown,
  headers: http.OutgoingHttpHeaders = {}
): void {
  res.writeHead(code, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(value))
}

/** Deterministic bytes standing in for a FLAC stem, the same for the same name every time. */
export function stemContent(name: string, size: number): Buffer {
  const out = Buffer.alloc(size)
  let block = crypto.createHash('sha256').update(name).digest()
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset)
    block = crypto.createHash('sha256').update(block).digest()
  }
  return out
}

function serveStem(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  name: string,
  size: number,
  fault: FileFault | undefined
): void {
  if (fault === 'http-500' || fault === 'http-403') {
    res.writeHead(Number(fault.slice(5)), { 'content-type': 'text/plain' })
    return void res.end('no')
  }
  const content = stemContent(name, size)
  res.writeHead(200, { 'content-type': 'audio/flac', 'content-length': String(size) })
  if (fault === 'truncate') {
    res.write(content.subarray(0, Math.floor(size / 2)))
    return void setTimeout(() => req.socket.destroy(), 20)
  }
  if (fault === 'stall') return void res.write(content.subarray(0, Math.floor(size / 3)))
  res.end(content)
}

function readJson(req: http.IncomingMessage, then: (body: unknown) => void): void {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    try {
      then(JSON.parse(Buffer.concat(chunks).toString('utf8')))
    } catch {
      then(undefined)
    }
  })
}
