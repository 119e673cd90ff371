/** Everything the action needs from its inputs, checked and typed. Built only by input.ts. */
export interface Settings {
  /** Task ids in input order, each once, exactly as given (they are case-sensitive). */
  taskIds: string[]
  /** The CAMB.AI key; already registered as a secret. */
  apiKey: string
  /** Longest total wait, requests included. */
  timeoutMs: number
  /** Shortest pause between two polls of one task. */
  intervalMs: number
  /** Longest pause between two polls of one task. */
  maxIntervalMs: number
  /** Longest one request may take, reading its body included. */
  requestTimeoutMs: number
  /** Stop waiting for the other tasks once one has failed. */
  failFast: boolean
  /** API root without a trailing slash, such as https://client.camb.ai/apis. */
  baseUrl: string
  /** Fetch the stem URLs of each successful task. */
  fetchResult: boolean
  /** Absolute directory to download the stems into; '' for no download. */
  downloadDir: string
}
