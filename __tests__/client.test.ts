import type http from 'node:http'
import net from 'node:net'
import { CambClient, USER_AGENT } from '../src/camb-client.js'
import { describeNetworkError } from '../src/http.js'
import type { StatusReply } from '../src/reply.js'
import { captureStdout } from '../test/support/action-env.js'
import { json, startServer, type TestServer } from '../test/support/http-server.js'

const KEY = 'client-test-key-abcdef'
let server: TestServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

/** One status request for `taskId` against a server that answers with `handler`. */
async function ask(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  options: { taskId?: string; timeoutMs?: number; signal?: AbortSignal } = {}
): Promise<StatusReply> {
  server = await startServer(handler)
  const client = new CambClient(`${server.url}/apis`, KEY)
  const { result } = await captureStdout(() =>
    client.getStatus(options.taskId ?? 'task-1', {
      signal: options.signal ?? new AbortController().signal,
      timeoutMs: options.timeoutMs ?? 5_000
    })
  )
  return result
}

describe('the status request', () => {
  it('sends the key in x-api-key, names the action in User-Agent, and asks for JSON', async () => {
    await ask((_, res) => json(res, 200, 'PENDING'))
    const [request] = server!.requests
    expect(request.method).toBe('GET')
    expect(request.url).toBe('/apis/audio-separation/task-1')
    expect(request.headers['x-api-key']).toBe(KEY)
    expect(request.headers['user-agent']).toContain(USER_AGENT)
    expect(request.headers.accept).toBe('application/json')
  })

  it('sends a task id as one URL-encoded path segment, so it cannot reach another endpoint', async () => {
    await ask((_, res) => json(res, 200, 'PENDING'), {
      taskId: '../audio-separation-result/1?x=#y'
    })
    expect(server!.requests[0].url).toBe(
      '/apis/audio-separation/..%2Faudio-separation-result%2F1%3Fx%3D%23y'
    )
  })
})

describe('replies with a status', () => {
  it('reads the bare-string shape', async () => {
    expect(await ask((_, res) => json(res, 200, 'PENDING'))).toEqual({
      kind: 'status',
      status: 'PENDING',
      runId: null,
      message: ''
    })
  })

  it('reads the object shape with run_id', async () => {
    expect(await ask((_, res) => json(res, 200, { status: 'SUCCESS', run_id: 11768 }))).toEqual({
      kind: 'status',
      status: 'SUCCESS',
      runId: 11768,
      message: ''
    })
  })

  it('reads exception_reason and message, an object message included', async () => {
    const reply = await ask((_, res) =>
      json(res, 200, {
        status: 'ERROR',
        run_id: null,
        exception_reason: 'SOURCE_TYPE_NOT_SUPPORTED',
        message: { detail: 'ogg is not supported' }
      })
    )
    expect(reply).toEqual({
      kind: 'status',
      status: 'ERROR',
      runId: null,
      message: 'SOURCE_TYPE_NOT_SUPPORTED: {"detail":"ogg is not supported"}'
    })
  })

  it('keeps an unknown status, made safe to print', async () => {
    const reply = await ask((_, res) => json(res, 200, { status: 'QUEUED\n::warning::x' }))
    expect(reply).toMatchObject({ kind: 'status', status: 'QUEUED : :warning: :x' })
  })
})

describe('replies that are retried', () => {
  it.each([
    [
      'a 200 that is not JSON',
      (res: http.ServerResponse) => res.end('<html>oops</html>'),
      /unreadable reply \(HTTP 200: 'oops'\)/
    ],
    [
      'a 200 without a status',
      (res: http.ServerResponse) => json(res, 200, { run_id: 1 }),
      /unreadable reply/
    ],
    [
      'a 200 with an empty string',
      (res: http.ServerResponse) => json(res, 200, ''),
      /unreadable reply/
    ],
    ['HTTP 408', (res: http.ServerResponse) => json(res, 408, {}), /^HTTP 408$/],
    [
      'HTTP 500 with an HTML page',
      (res: http.ServerResponse) => res.writeHead(500).end('<h1>Bad</h1>'),
      /^HTTP 500$/
    ],
    ['HTTP 502', (res: http.ServerResponse) => res.writeHead(502).end(), /^HTTP 502$/],
    ['HTTP 504', (res: http.ServerResponse) => res.writeHead(504).end(), /^HTTP 504$/]
  ])('%s', async (_, handler, cause) => {
    const reply = await ask((__, res) => handler(res))
    expect(reply.kind).toBe('retry')
    expect(reply.kind === 'retry' && reply.cause).toMatch(cause)
  })

  it('429 with Retry-After in seconds', async () => {
    expect(await ask((_, res) => json(res, 429, {}, { 'retry-after': '3' }))).toEqual({
      kind: 'retry',
      cause: 'HTTP 429',
      retryAfterMs: 3_000
    })
  })

  it('503 with Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString()
    const reply = await ask((_, res) => json(res, 503, {}, { 'retry-after': at }))
    expect(reply.kind === 'retry' && reply.retryAfterMs).toBeGreaterThan(55_000)
    expect(reply.kind === 'retry' && reply.retryAfterMs).toBeLessThanOrEqual(60_000)
  })

  it('a body larger than any CAMB.AI reply', async () => {
    const reply = await ask((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(`"${'x'.repeat(2 * 1024 * 1024)}"`)
    })
    expect(reply).toMatchObject({ kind: 'retry', cause: expect.stringMatching(/unreadable reply/) })
  })

  it('connection refused', async () => {
    const port = await closedPort()
    const client = new CambClient(`http://127.0.0.1:${port}/apis`, KEY)
    const { result } = await captureStdout(() =>
      client.getStatus('t', { signal: new AbortController().signal, timeoutMs: 5_000 })
    )
    expect(result).toEqual({ kind: 'retry', cause: 'connection refused' })
  })

  it('a connection reset before the headers', async () => {
    // Node names it 'socket hang up' or ECONNRESET depending on which packet it reads first.
    const reply = await ask(req => req.socket.destroy())
    expect(reply).toEqual({
      kind: 'retry',
      cause: expect.stringMatching(/^connection (reset|closed before the reply)$/)
    })
  })

  it('a connection reset in the middle of the body', async () => {
    const reply = await ask((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"status": "PEN')
      setTimeout(() => req.socket.destroy(), 20)
    })
    expect(reply).toEqual({ kind: 'retry', cause: 'connection reset' })
  })

  it('a body that stalls: the request is destroyed when its time is up', async () => {
    const started = Date.now()
    const reply = await ask(
      (_, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
        res.write('{"status": ')
      },
      { timeoutMs: 300 }
    )
    expect(reply).toEqual({ kind: 'retry', cause: 'no complete reply within 300ms' })
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('a server that never answers', async () => {
    const reply = await ask(() => undefined, { timeoutMs: 300 })
    expect(reply).toEqual({ kind: 'retry', cause: 'no complete reply within 300ms' })
  })
})

describe('replies that fail at once', () => {
  it.each([401, 403])('HTTP %i: the key was rejected', async code => {
    const reply = await ask((_, res) => json(res, code, { error: 'Invalid API key', status: code }))
    expect(reply.kind).toBe('fatal')
    const failure = reply.kind === 'fatal' ? reply.failure : undefined
    expect(failure?.kind).toBe('key-rejected')
    expect(failure?.message).toBe(
      `CAMB.AI rejected the API key (HTTP ${code}: Invalid API key). Check the secret passed as api-key: it must hold a current CAMB.AI API key with access to audio separation.`
    )
  })

  it('HTTP 422 with FastAPI validation messages', async () => {
    const reply = await ask((_, res) =>
      json(res, 422, {
        detail: [
          { loc: ['path', 'task_id'], msg: 'value is not a valid uuid', type: 'type_error.uuid' },
          { loc: ['query', 'run_id'], msg: 'not an integer', type: 'x' }
        ]
      })
    )
    expect(reply).toEqual({
      kind: 'fatal',
      failure: {
        kind: 'invalid-request',
        message:
          'CAMB.AI rejected the request (HTTP 422): path.task_id: value is not a valid uuid; query.run_id: not an integer.'
      }
    })
  })

  it('HTTP 422 with a body that is not FastAPI shaped', async () => {
    const reply = await ask((_, res) => res.writeHead(422).end('nope'))
    expect(reply.kind === 'fatal' && reply.failure.message).toBe(
      "CAMB.AI rejected the request (HTTP 422): 'nope'."
    )
  })

  it('another 4xx', async () => {
    const reply = await ask((_, res) => res.writeHead(400).end('<html><b>Bad request</b></html>'))
    expect(reply).toEqual({
      kind: 'fatal',
      failure: {
        kind: 'unexpected-reply',
        message:
          "CAMB.AI answered HTTP 400 ('Bad request'); this is not a reply that waiting can change."
      }
    })
  })

  it('HTTP 404 is reported as not found (the waiter decides how long to allow it)', async () => {
    expect(await ask((_, res) => res.writeHead(404).end('Not Found'))).toEqual({
      kind: 'not-found'
    })
  })
})

describe('redirects', () => {
  it('are never followed, so a second origin never receives the key', async () => {
    const elsewhere = await startServer((_, res) => json(res, 200, 'SUCCESS'), '127.0.0.2')
    try {
      const reply = await ask((_, res) => {
        res.writeHead(302, { location: `${elsewhere.url}/steal?token=abc` })
        res.end()
      })
      expect(elsewhere.requests).toHaveLength(0)
      expect(reply.kind === 'fatal' && reply.failure).toEqual({
        kind: 'redirect',
        message: `CAMB.AI answered HTTP 302 pointing to ${elsewhere.url}/steal. Redirects are not followed so that the API key stays with base-url's origin: set base-url to the API root itself.`
      })
    } finally {
      await elsewhere.close()
    }
  })

  it('without a location are reported too', async () => {
    const reply = await ask((_, res) => res.writeHead(307).end())
    expect(reply.kind === 'fatal' && reply.failure.message).toMatch(
      /HTTP 307 pointing to no location/
    )
  })
})

describe('proxies', () => {
  it('sends requests for a remote API through HTTPS_PROXY, as a tunnel the proxy cannot read', async () => {
    const seen: string[] = []
    const proxy = net.createServer(socket => {
      socket.once('data', chunk => {
        seen.push(chunk.toString('latin1'))
        socket.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      })
    })
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
    const { port } = proxy.address() as net.AddressInfo
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY }
    process.env.HTTPS_PROXY = `http://127.0.0.1:${port}`
    delete process.env.NO_PROXY
    try {
      const client = new CambClient('https://client.camb.ai/apis', KEY)
      const { result } = await captureStdout(() =>
        client.getStatus('t', { signal: new AbortController().signal, timeoutMs: 5_000 })
      )
      expect(result.kind).toBe('retry')
      expect(seen).toHaveLength(1)
      expect(seen[0]).toMatch(/^CONNECT client\.camb\.ai:443 HTTP\/1\.1/)
      expect(seen[0]).not.toContain(KEY)
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
      await new Promise(resolve => proxy.close(resolve))
    }
  })
})

describe('cancellation', () => {
  it('aborts a request in flight at once', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const started = Date.now()
    const reply = await ask(() => undefined, { signal: controller.signal, timeoutMs: 10_000 })
    expect(reply).toEqual({ kind: 'aborted' })
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

describe('network errors', () => {
  it.each([
    [{ code: 'ENOTFOUND' }, 'DNS lookup failed (ENOTFOUND)', true],
    [{ code: 'EAI_AGAIN' }, 'DNS lookup failed (EAI_AGAIN)', true],
    [{ code: 'ETIMEDOUT' }, 'network error (ETIMEDOUT)', true],
    [new Error('Request timeout: /x'), 'network error (Request timeout: /x)', true],
    [{ code: 'SELF_SIGNED_CERT_IN_CHAIN' }, 'TLS error (SELF_SIGNED_CERT_IN_CHAIN)', false],
    [
      { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      'TLS error (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
      false
    ]
  ])('%p is named %p', (error, cause, transient) => {
    expect(describeNetworkError(error)).toEqual({ cause, transient })
  })
})

function closedPort(): Promise<number> {
  return new Promise(resolve => {
    const probe = net.createServer()
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}
