/**
 * How a simulated task behaves. Tests build these directly; people name them in a task id
 * (see parseTaskId) or in a JSON config file, so the same simulator serves both.
 */
export interface Scenario {
  /** The end status, or null for a task that never finishes. */
  end: 'SUCCESS' | 'ERROR' | 'TIMEOUT' | 'PAYMENT_REQUIRED' | null
  /** Time from the task's first request until it reaches `end`. */
  afterMs: number
  /** Reply shape: `{"status": ...}` (the SDKs' object) or a bare JSON string (the OpenAPI). */
  shape: 'object' | 'string'
  /** Status while running: PENDING, or something new to test unknown statuses. */
  runningStatus: string
  /** 404 for this long after the task's first request (a task not visible yet). */
  notFoundForMs: number
  /** Faults served, one per request in this order, before the task answers normally. */
  faults: Fault[]
  exceptionReason?: string
  message?: unknown
}

export const FAULTS = [
  'http-500',
  'http-502',
  'http-503',
  'http-504',
  'http-429-seconds',
  'http-429-date',
  'reset-before-headers',
  'reset-mid-body',
  'stall-body',
  'stall-headers',
  'not-json',
  'html-error',
  'redirect'
] as const
export type Fault = (typeof FAULTS)[number]

const DEFAULTS: Scenario = {
  end: 'SUCCESS',
  afterMs: 3_000,
  shape: 'object',
  runningStatus: 'PENDING',
  notFoundForMs: 0,
  faults: []
}

export function scenario(overrides: Partial<Scenario> = {}): Scenario {
  // A fresh faults array: scenarios must never share one.
  return { ...DEFAULTS, ...overrides, faults: [...(overrides.faults ?? DEFAULTS.faults)] }
}

const ENDS: Record<string, Scenario['end']> = {
  success: 'SUCCESS',
  error: 'ERROR',
  timeout: 'TIMEOUT',
  payment: 'PAYMENT_REQUIRED',
  never: null
}

/** Short names for faults in task ids. */
const FAULT_NAMES: Record<string, Fault> = {
  '500': 'http-500',
  '502': 'http-502',
  '503': 'http-503',
  '504': 'http-504',
  '429': 'http-429-seconds',
  '429date': 'http-429-date',
  reset: 'reset-before-headers',
  resetbody: 'reset-mid-body',
  stall: 'stall-body',
  stallheaders: 'stall-headers',
  notjson: 'not-json',
  html: 'html-error',
  redirect: 'redirect'
}

/**
 * Reads a scenario from a task id, so a workflow or the demo can ask for one without a config:
 * `<end>[-<seconds>s][+<modifier>...]`, where end is success, error, timeout, payment or never,
 * and modifiers are `string` (bare-string replies), `unknown` (status QUEUED while running),
 * `404-<seconds>s` (not visible at first) and fault names: 500, 502, 503, 504, 429, 429date,
 * reset, resetbody, stall, stallheaders, notjson, html, redirect.
 * Examples: `success-3s`, `error-2s`, `success-5s+503+reset+string`, `never`.
 * Returns undefined for any other id: the simulator answers 404 for it.
 */
export function parseTaskId(taskId: string): Scenario | undefined {
  const [head, ...modifiers] = taskId.split('+')
  const match = /^(success|error|timeout|payment|never)(?:-(\d+(?:\.\d+)?)s)?$/.exec(head)
  if (!match) return undefined
  const result = scenario({
    end: ENDS[match[1]],
    afterMs: match[2] ? Number(match[2]) * 1000 : 3_000
  })
  if (result.end === 'ERROR') {
    result.exceptionReason = 'SOURCE_TYPE_NOT_SUPPORTED'
    result.message = 'The uploaded file is not a supported audio format.'
  }
  for (const modifier of modifiers) {
    const notFound = /^404-(\d+(?:\.\d+)?)s$/.exec(modifier)
    if (modifier === 'string') result.shape = 'string'
    else if (modifier === 'unknown') result.runningStatus = 'QUEUED'
    else if (notFound) result.notFoundForMs = Number(notFound[1]) * 1000
    else if (FAULT_NAMES[modifier]) result.faults.push(FAULT_NAMES[modifier])
    else return undefined
  }
  return result
}
