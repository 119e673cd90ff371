import { sanitize } from './sanitize.js'

/** Where CAMB.AI put a run's two stems. The URLs may carry signed credentials. */
export interface StemUrls {
  foregroundUrl: string
  backgroundUrl: string
}

export const STEMS = ['foreground', 'background'] as const
export type Stem = (typeof STEMS)[number]

export function stemUrl(urls: StemUrls, stem: Stem): string {
  return stem === 'foreground' ? urls.foregroundUrl : urls.backgroundUrl
}

/** `{"foreground_audio_url": ..., "background_audio_url": ...}`, both absolute http(s) URLs. */
export function readStemUrls(value: unknown): StemUrls | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as Record<string, unknown>
  const foregroundUrl = record.foreground_audio_url
  const backgroundUrl = record.background_audio_url
  if (!isWebUrl(foregroundUrl) || !isWebUrl(backgroundUrl)) return undefined
  return { foregroundUrl, backgroundUrl }
}

export function readResultBody(body: string): StemUrls | undefined {
  try {
    return readStemUrls(JSON.parse(body))
  } catch {
    return undefined
  }
}

/**
 * The bulk endpoint's reply, keyed by run id. Accepts an object keyed by run id (as
 * documented), optionally under `results`, or a list of results that carry `run_id`.
 */
export function readBulkResultBody(body: string): Map<string, StemUrls> | undefined {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return undefined
  }
  if (typeof json === 'object' && json !== null && 'results' in json) json = json.results
  const found = new Map<string, StemUrls>()
  if (Array.isArray(json)) {
    for (const item of json) {
      const urls = readStemUrls(item)
      const runId = (item as Record<string, unknown> | null)?.run_id
      if (urls && (typeof runId === 'number' || typeof runId === 'string'))
        found.set(String(runId), urls)
    }
  } else if (typeof json === 'object' && json !== null) {
    for (const [runId, item] of Object.entries(json)) {
      const urls = readStemUrls(item)
      if (urls) found.set(runId, urls)
    }
  } else {
    return undefined
  }
  return found
}

function isWebUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}

/** Host and file name of a URL: enough to show that it arrived, never its credentials. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    const name = parsed.pathname.split('/').filter(Boolean).pop() ?? ''
    return sanitize(`${parsed.host}/…/${name}`, 120)
  } catch {
    return '(unreadable URL)'
  }
}

/** The file extension for a stem: from the URL's path when it is a known audio type. */
export function stemExtension(url: string): string {
  try {
    const match = /\.(flac|wav|mp3)$/i.exec(new URL(url).pathname)
    return match ? `.${match[1].toLowerCase()}` : '.audio'
  } catch {
    return '.audio'
  }
}
