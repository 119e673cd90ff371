import { classifyStatusReply, readStatusBody, validationMessages } from '../src/reply.js'

const response = (statusCode: number, body = '', headers: Record<string, string> = {}) =>
  ({ kind: 'response', statusCode, body, headers, truncated: false }) as const

describe('status bodies', () => {
  it('accept known statuses in any case and spacing', () => {
    expect(readStatusBody('" success "')?.status).toBe('SUCCESS')
    expect(readStatusBody('{"status": "Pending"}')?.status).toBe('PENDING')
  })

  it('keep a string run_id, made safe', () => {
    expect(readStatusBody('{"status": "SUCCESS", "run_id": "r-1"}')?.runId).toBe('r-1')
  })

  it('ignore a run_id that is neither a number nor a string', () => {
    expect(readStatusBody('{"status": "SUCCESS", "run_id": {"x": 1}}')?.runId).toBeNull()
  })

  it('leave out an exception_reason of NONE', () => {
    expect(
      readStatusBody('{"status": "ERROR", "exception_reason": "NONE", "message": "m"}')?.message
    ).toBe('m')
  })

  it.each(['[]', 'null', '42', '{"status": 3}', '{"status": "  "}'])('refuse %s', body => {
    expect(readStatusBody(body)).toBeUndefined()
  })
})

describe('classification', () => {
  it('retries a reply cut off at the size limit', () => {
    expect(classifyStatusReply({ ...response(200, '"PEND'), truncated: true }, 0)).toMatchObject({
      kind: 'retry'
    })
  })

  it('treats a TLS failure as final', () => {
    expect(
      classifyStatusReply(
        { kind: 'failed', cause: 'TLS error (CERT_HAS_EXPIRED)', transient: false },
        0
      )
    ).toEqual({
      kind: 'fatal',
      failure: {
        kind: 'tls',
        message:
          "TLS error (CERT_HAS_EXPIRED) talking to CAMB.AI: check base-url and the runner's certificates or proxy."
      }
    })
  })

  it('says a 401 with an opaque body was a rejected key, without quoting the body', () => {
    const reply = classifyStatusReply(response(401, '<html>denied</html>'), 0)
    expect(reply.kind === 'fatal' && reply.failure.message).toMatch(
      /^CAMB.AI rejected the API key \(HTTP 401\)\. /
    )
  })

  it('names a relative redirect without its query', () => {
    const reply = classifyStatusReply(response(301, '', { location: '/elsewhere?token=secret' }), 0)
    expect(reply.kind === 'fatal' && reply.failure.message).toContain("pointing to '/elsewhere'")
    expect(reply.kind === 'fatal' && reply.failure.message).not.toContain('secret')
  })
})

describe('422 messages', () => {
  it('read a detail string', () => {
    expect(validationMessages('{"detail": "task_id is malformed"}')).toBe('task_id is malformed')
  })

  it('read items without a location', () => {
    expect(validationMessages('{"detail": [{"msg": "bad"}]}')).toBe('bad')
  })

  it('fall back to an excerpt of the body', () => {
    expect(validationMessages('{"detail": []}')).toBe('\'{"detail": []}\'')
    expect(validationMessages('')).toBe('empty body')
  })
})
