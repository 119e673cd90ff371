import path from 'node:path'
import * as core from '@actions/core'
import { Defaults, Input, Limits } from './constants.js'
import { formatDuration, parseDuration } from './duration.js'
import { addSecret, hasControlCharacter, quote } from './sanitize.js'
import type { Settings } from './settings.js'

/** A problem with the step's inputs: the message names the input and what it accepts. */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'))
    this.name = 'InputError'
  }
}

/**
 * Reads and checks every input before any request is made. Registers the API key as a secret
 * first, so that nothing printed afterwards can show it. Reports every problem at once.
 */
export function getInputs(): Settings {
  const apiKey = core.getInput(Input.ApiKey)
  if (apiKey) {
    core.setSecret(apiKey)
    addSecret(apiKey)
  }
  const problems: string[] = []
  const check = <T>(parse: () => T): T | undefined => {
    try {
      return parse()
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      problems.push(...error.problems)
    }
  }

  const taskIds = check(() => parseTaskIds(core.getInput(Input.TaskId)))
  check(() => checkApiKey(apiKey))
  const timeoutMs = check(() => parseDurationInput(Input.Timeout, withDefault(Input.Timeout)))
  const intervalMs = check(() => parseDurationInput(Input.Interval, withDefault(Input.Interval)))
  const maxIntervalMs = check(() =>
    parseDurationInput(Input.MaxInterval, withDefault(Input.MaxInterval))
  )
  const requestTimeoutMs = check(() =>
    parseDurationInput(Input.RequestTimeout, withDefault(Input.RequestTimeout))
  )
  const failFast = check(() => parseBoolean(Input.FailFast, withDefault(Input.FailFast)))
  const baseUrl = check(() => parseBaseUrl(withDefault(Input.BaseUrl)))
  const fetchResult = check(() => parseBoolean(Input.FetchResult, withDefault(Input.FetchResult)))
  const downloadDir = check(() => parseDownloadDir(core.getInput(Input.DownloadDir), fetchResult))

  if (intervalMs !== undefined && maxIntervalMs !== undefined && maxIntervalMs < intervalMs) {
    problems.push(
      `Invalid ${Input.MaxInterval} '${formatDuration(maxIntervalMs)}': it must be at least ` +
        `${Input.Interval} (${formatDuration(intervalMs)}).`
    )
  }
  if (problems.length > 0) throw new InputError(problems)
  return {
    taskIds: taskIds as string[],
    apiKey,
    timeoutMs: timeoutMs as number,
    intervalMs: intervalMs as number,
    maxIntervalMs: maxIntervalMs as number,
    requestTimeoutMs: requestTimeoutMs as number,
    failFast: failFast as boolean,
    baseUrl: baseUrl as string,
    fetchResult: fetchResult as boolean,
    downloadDir: downloadDir as string
  }
}

function withDefault(name: keyof typeof Defaults): string {
  return core.getInput(name) || Defaults[name]
}

function problem(message: string): never {
  throw new InputError([message])
}

function checkApiKey(apiKey: string): void {
  if (!apiKey) {
    problem(
      `Missing ${Input.ApiKey}: set it from a secret, for example \`${Input.ApiKey}: \${{ secrets.CAMB_API_KEY }}\`.`
    )
  }
  // The value is never quoted, not even in part.
  if (hasControlCharacter(apiKey)) {
    problem(
      `Invalid ${Input.ApiKey}: it contains a line break or control character; copy the key again into the secret without them.`
    )
  }
}

/**
 * Splits `task-id` on newlines, commas and spaces, keeps input order and drops repeats.
 * Rejects ids that could not be one URL path segment of a real task.
 */
export function parseTaskIds(text: string): string[] {
  const ids = [...new Set(text.split(/[\s,]+/).filter(id => id !== ''))]
  if (ids.length === 0) {
    return problem(
      `Missing ${Input.TaskId}: give the task_id returned when the separation was created (several may be separated by newlines, commas or spaces).`
    )
  }
  if (ids.length > Limits.maxTaskIds) {
    return problem(
      `Invalid ${Input.TaskId}: ${ids.length} task ids given, at most ${Limits.maxTaskIds} are accepted in one step.`
    )
  }
  for (const id of ids) {
    if (hasControlCharacter(id)) {
      return problem(
        `Invalid ${Input.TaskId} ${quote(id)}: it contains a control character; a task id is the task_id string CAMB.AI returned.`
      )
    }
    if (id.length > Limits.maxTaskIdLength) {
      return problem(
        `Invalid ${Input.TaskId} ${quote(id)}: it is ${id.length} characters long, at most ${Limits.maxTaskIdLength} are accepted.`
      )
    }
    if (id === '.' || id === '..') {
      return problem(
        `Invalid ${Input.TaskId} ${quote(id)}: '.' and '..' are path steps, not task ids.`
      )
    }
  }
  return ids
}

/** Reads a duration input as milliseconds: positive and at most a week. */
export function parseDurationInput(name: string, text: string): number {
  const ms = parseDuration(text)
  const accepted = `expected seconds (90, 2.5) or a number with a unit ms, s, m or h (500ms, 90s, 15m, 1h30m)`
  if (ms === undefined) return problem(`Invalid ${name} ${quote(text)}: ${accepted}.`)
  if (ms <= 0)
    return problem(`Invalid ${name} ${quote(text)}: it must be greater than zero; ${accepted}.`)
  if (ms > Limits.maxDurationMs) {
    return problem(
      `Invalid ${name} ${quote(text)}: at most ${Limits.maxDurationMs / 3_600_000}h is accepted.`
    )
  }
  return ms
}

/** YAML 1.2 core booleans, as `core.getBooleanInput` accepts, but with our kind of message. */
export function parseBoolean(name: string, text: string): boolean {
  if (['true', 'True', 'TRUE'].includes(text)) return true
  if (['false', 'False', 'FALSE'].includes(text)) return false
  return problem(`Invalid ${name} ${quote(text)}: expected true or false.`)
}

/**
 * The directory for downloaded stems, resolved against the workspace as the runner's own
 * steps are; '' when none is wanted. Downloading needs the result, so fetch-result must be on.
 */
export function parseDownloadDir(text: string, fetchResult: boolean | undefined): string {
  if (!text) return ''
  if (hasControlCharacter(text)) {
    return problem(
      `Invalid ${Input.DownloadDir} ${quote(text)}: it contains a control character; give a directory path.`
    )
  }
  if (fetchResult === false) {
    return problem(
      `Invalid ${Input.DownloadDir} ${quote(text)}: downloading needs the result; set ${Input.FetchResult} to true or leave ${Input.DownloadDir} empty.`
    )
  }
  return path.resolve(process.env.GITHUB_WORKSPACE || process.cwd(), text)
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

/**
 * Accepts an absolute https URL, or http to a loopback host (a local simulator), with no
 * credentials, query or fragment. Returns it without a trailing slash.
 */
export function parseBaseUrl(text: string): string {
  const accepted = `expected an absolute https URL such as https://client.camb.ai/apis (plain http only for localhost, 127.0.0.1 or [::1])`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return problem(`Invalid ${Input.BaseUrl} ${quote(text)}: ${accepted}.`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return problem(`Invalid ${Input.BaseUrl} ${quote(text)}: ${accepted}.`)
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOST.test(url.hostname)) {
    return problem(
      `Invalid ${Input.BaseUrl} ${quote(text)}: plain http would send the API key unencrypted; ${accepted}.`
    )
  }
  if (url.username || url.password) {
    return problem(
      `Invalid ${Input.BaseUrl} ${quote(url.host)}: it must not contain a user name or password; the key goes in ${Input.ApiKey}.`
    )
  }
  if (url.search || url.hash) {
    return problem(
      `Invalid ${Input.BaseUrl} ${quote(text)}: it must not have a query (?) or fragment (#); ${accepted}.`
    )
  }
  return url.href.replace(/\/+$/, '')
}
