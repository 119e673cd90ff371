import path from 'node:path'
import * as core from '@actions/core'
import type { ResultSource } from './camb-client.js'
import { Limits, SUCCESS } from './constants.js'
import { downloadFile, stemFileName } from './download.js'
import { formatDuration } from './duration.js'
import { Limiter } from './limiter.js'
import { retryUntilDeadline, type RetryContext } from './retry.js'
import { addSecret, sanitize } from './sanitize.js'
import { describeUrl, stemExtension, stemUrl, STEMS, type StemUrls } from './stems.js'
import type { TaskResult } from './waiter.js'

export interface HandOverOptions {
  /** The waited-for tasks; those that succeeded gain `stems`, `files` or a problem. */
  tasks: TaskResult[]
  source: ResultSource
  /** Where to download the stems; '' for no download. */
  downloadDir: string
  /** The same deadline, pacing and cancellation as the wait. */
  retry: RetryContext
  requestTimeoutMs: number
}

/** Downloads at once: enough to fill a runner's link, few enough to be kind to the store. */
const MAX_DOWNLOADS = 4

/**
 * Hands the separated stems to the next step: fetches each successful run's URLs (one bulk
 * request when there are several runs, single requests for what it did not answer), registers
 * them as secrets, and downloads them when asked. A result that cannot be fetched is a
 * warning; a download that fails is the task's failure, since the user asked for the files.
 */
export async function handOverStems(options: HandOverOptions): Promise<void> {
  const succeeded = options.tasks.filter(t => t.status === SUCCESS && !t.failure)
  for (const task of succeeded.filter(t => t.runId === null)) {
    task.resultProblem = 'CAMB.AI gave no run_id for this task, so its stems cannot be fetched'
  }
  const withRun = succeeded.filter(t => t.runId !== null)
  const found = await fetchStemUrls([...new Set(withRun.map(t => String(t.runId)))], options)
  for (const task of withRun) {
    const urls = found.get(String(task.runId))
    if (typeof urls === 'string') task.resultProblem = urls
    else task.stems = urls
  }
  for (const task of succeeded) {
    if (task.stems) {
      for (const url of [task.stems.foregroundUrl, task.stems.backgroundUrl]) {
        core.setSecret(url)
        addSecret(url)
      }
      core.info(
        `Task ${sanitize(task.taskId)}: stems ready: foreground ${describeUrl(task.stems.foregroundUrl)}, background ${describeUrl(task.stems.backgroundUrl)}`
      )
    } else if (task.resultProblem) {
      core.warning(
        `Task ${sanitize(task.taskId)}: ${task.resultProblem}. The separation itself succeeded.`
      )
    }
  }
  if (options.downloadDir) await downloadStems(succeeded, options)
}

/** Stem URLs by run id, or why a run's could not be had. */
async function fetchStemUrls(
  runIds: string[],
  options: HandOverOptions
): Promise<Map<string, StemUrls | string>> {
  const { source, requestTimeoutMs } = options
  const deadline = Math.min(
    options.retry.deadline,
    options.retry.clock.now() + Limits.resultFetchLimitMs
  )
  const retry = { ...options.retry, deadline }
  const found = new Map<string, StemUrls | string>()
  const budget = (): number =>
    Math.max(0, Math.min(requestTimeoutMs, retry.deadline - retry.clock.now()))
  if (runIds.length >= 2 && budget() > 0) {
    const bulk = await source.getResults(runIds, { signal: retry.signal, timeoutMs: budget() })
    if (bulk.kind === 'ok') for (const [runId, urls] of bulk.value) found.set(runId, urls)
    else
      core.debug(`Bulk result request did not answer (${bulk.kind}); fetching each run on its own`)
  }
  const limiter = new Limiter(Limits.maxInFlight)
  await Promise.all(
    runIds
      .filter(runId => !found.has(runId))
      .map(runId =>
        limiter.run(retry.signal, async () => {
          const outcome = await retryUntilDeadline(
            timeLeftMs =>
              source.getResult(runId, {
                signal: retry.signal,
                timeoutMs: Math.min(requestTimeoutMs, timeLeftMs)
              }),
            { ...retry, onRetry: retryLog(`Result of run ${sanitize(runId)}`) }
          )
          found.set(
            runId,
            outcome.ok ? outcome.value : `its stems could not be fetched: ${outcome.message}`
          )
        })
      )
  )
  return found
}

async function downloadStems(tasks: TaskResult[], options: HandOverOptions): Promise<void> {
  const limiter = new Limiter(MAX_DOWNLOADS)
  const jobs = tasks
    .filter(task => task.stems)
    .flatMap(task => STEMS.map(stem => ({ task, stem, url: stemUrl(task.stems!, stem) })))
  await Promise.all(
    jobs.map(({ task, stem, url }) =>
      limiter.run(options.retry.signal, async () => {
        const file = path.join(
          options.downloadDir,
          stemFileName(task.taskId, stem, stemExtension(url))
        )
        const what = `the ${stem} stem of task ${sanitize(task.taskId)}`
        const outcome = await downloadFile(url, file, {
          ...options.retry,
          idleTimeoutMs: options.requestTimeoutMs,
          onRetry: retryLog(`Download of ${what}`)
        })
        if (outcome.ok) {
          task.files = { ...task.files, [stem]: file }
          core.info(
            `Task ${sanitize(task.taskId)}: ${stem} stem saved to ${sanitize(file)} (${outcome.value} bytes)`
          )
        } else if (!task.failure) {
          task.failure = {
            kind: 'download',
            message: `Could not download ${what} from ${describeUrl(url)}: ${sanitize(outcome.message)}. Check download-dir and the runner's disk space, or set download-dir empty and use the URL outputs.`
          }
        }
      })
    )
  )
}

function retryLog(what: string): (cause: string, pauseMs: number, repeated: boolean) => void {
  return (cause, pauseMs, repeated) => {
    const line = `${what}: ${sanitize(cause)}; retrying in ${formatDuration(pauseMs)}`
    if (repeated) core.debug(line)
    else core.warning(line)
  }
}
