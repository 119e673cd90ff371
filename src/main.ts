import { setMaxListeners } from 'node:events'
import * as core from '@actions/core'
import { CambClient } from './camb-client.js'
import { systemClock, type Clock } from './clock.js'
import { formatDuration } from './duration.js'
import { getInputs, InputError } from './input.js'
import { progressLog } from './progress.js'
import { publish, publishProblems } from './report.js'
import { sanitize } from './sanitize.js'
import type { Settings } from './settings.js'
import type { StatusSource } from './camb-client.js'
import { handOverStems } from './results.js'
import { taskOutcome, waitForTasks } from './waiter.js'

/** Seams for tests and the demo; the runner uses the defaults. */
export interface RunOptions {
  clock?: Clock
  /** Builds the CAMB.AI client for statuses from the settings. */
  source?: (settings: Settings) => StatusSource
}

function client(settings: Settings, clock: Clock): CambClient {
  return new CambClient(settings.baseUrl, settings.apiKey, () => clock.now())
}

/**
 * The action: read inputs, wait for the tasks, report. Every exit path (bad input, success,
 * failed task, timeout, cancellation, an unexpected error) sets the outputs, writes the summary
 * and leaves a non-zero exit code unless every task succeeded.
 */
export async function run(options: RunOptions = {}): Promise<void> {
  const clock = options.clock ?? systemClock
  const cancellation = listenForCancellation()
  try {
    const settings = getInputs()
    const plural = settings.taskIds.length === 1 ? '' : 's'
    core.info(
      `Waiting for ${settings.taskIds.length} CAMB.AI task${plural} for up to ${formatDuration(settings.timeoutMs)} ` +
        `(polls every ${formatDuration(settings.intervalMs)} to ${formatDuration(settings.maxIntervalMs)})`
    )
    core.debug(`API root: ${settings.baseUrl}`)
    const source = options.source?.(settings) ?? client(settings, clock)
    const started = clock.now()
    const outcome = await waitForTasks({
      taskIds: settings.taskIds,
      timeoutMs: settings.timeoutMs,
      pacing: settings,
      failFast: settings.failFast,
      requestTimeoutMs: settings.requestTimeoutMs,
      source,
      clock,
      observer: progressLog,
      cancel: cancellation.signal
    })
    // After a timeout, a cancellation or a rejected key there is no time, or no point.
    const canFetch = outcome.stop === 'finished' || outcome.stop === 'fail-fast'
    const anySucceeded = outcome.tasks.some(t => taskOutcome(t) === 'succeeded')
    if (settings.fetchResult && canFetch && anySucceeded) {
      await handOverStems({
        tasks: outcome.tasks,
        source: client(settings, clock),
        downloadDir: settings.downloadDir,
        retry: {
          clock,
          pacing: settings,
          deadline: started + settings.timeoutMs,
          signal: cancellation.signal
        },
        requestTimeoutMs: settings.requestTimeoutMs
      })
      if (cancellation.signal.aborted) outcome.stop = 'cancelled'
      outcome.elapsedMs = clock.now() - started
    }
    publish(outcome, { timeoutMs: settings.timeoutMs, cancelledBy: cancellation.cause() })
  } catch (error) {
    reportError(error)
  } finally {
    cancellation.dispose()
  }
}

function reportError(error: unknown): void {
  try {
    if (error instanceof InputError) publishProblems('Invalid input', error.problems)
    else
      publishProblems('Unexpected error', [`The action stopped unexpectedly: ${describe(error)}`])
  } catch (secondError) {
    core.setFailed(`The action could not report its result: ${describe(secondError)}`)
  }
}

function describe(error: unknown): string {
  return sanitize(error instanceof Error ? error.message : error)
}

/** SIGINT and SIGTERM are how the runner cancels a job and enforces `timeout-minutes`. */
function listenForCancellation(): {
  signal: AbortSignal
  cause(): string | undefined
  dispose(): void
} {
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  let received: string | undefined
  const onSignal = (name: NodeJS.Signals): void => {
    received ??= name
    core.info(`Received ${name}: stopping the wait and reporting what is known`)
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    cause: () => received,
    dispose: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
