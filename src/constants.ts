/** Names users write in their workflows: the contract with action.yml. */
export const Input = {
  TaskId: 'task-id',
  ApiKey: 'api-key',
  Timeout: 'timeout',
  Interval: 'interval',
  MaxInterval: 'max-interval',
  RequestTimeout: 'request-timeout',
  FailFast: 'fail-fast',
  BaseUrl: 'base-url',
  FetchResult: 'fetch-result',
  DownloadDir: 'download-dir'
} as const

export const Output = {
  Status: 'status',
  Statuses: 'statuses',
  RunId: 'run-id',
  Results: 'results',
  TimedOut: 'timed-out',
  Elapsed: 'elapsed',
  ForegroundUrl: 'foreground-url',
  BackgroundUrl: 'background-url',
  ForegroundPath: 'foreground-path',
  BackgroundPath: 'background-path'
} as const

/** Defaults applied when an input is empty; action.yml declares the same (a test checks). */
export const Defaults = {
  [Input.Timeout]: '10m',
  [Input.Interval]: '5s',
  [Input.MaxInterval]: '30s',
  [Input.RequestTimeout]: '30s',
  [Input.FailFast]: 'true',
  [Input.BaseUrl]: 'https://client.camb.ai/apis',
  [Input.FetchResult]: 'true'
} as const

export const ACTION_NAME = 'wait-for-camb-separation'
/** Kept equal to package.json's version by a test; ends up in the User-Agent. */
export const ACTION_VERSION = '1.0.0'

/** End states of a CAMB.AI task, as the status endpoint spells them. */
export const SUCCESS = 'SUCCESS'
export const FAILED_STATUSES = ['ERROR', 'TIMEOUT', 'PAYMENT_REQUIRED'] as const
export const PENDING = 'PENDING'

export const Limits = {
  /** Most status requests in flight at once, whatever the number of tasks. */
  maxInFlight: 8,
  /** How long a 404 is taken for "not visible yet" before the task counts as unknown. */
  notFoundGraceMs: 10_000,
  maxTaskIdLength: 256,
  maxTaskIds: 1000,
  /** Longest accepted duration input: far beyond any job, and well inside setTimeout's range. */
  maxDurationMs: 7 * 24 * 3_600_000,
  /**
   * Longest the stem URLs are tried for once the wait is over: they are a convenience, and a
   * failing result endpoint must not hold a passed gate until the timeout.
   */
  resultFetchLimitMs: 60_000,
  /** Reply bodies are tiny; anything larger is not a CAMB.AI reply. */
  maxReplyBytes: 1024 * 1024
} as const
