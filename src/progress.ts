import * as core from '@actions/core'
import { formatDuration } from './duration.js'
import { sanitize } from './sanitize.js'
import { describeRetry, type RetryNotice, type TaskResult, type WaitObserver } from './waiter.js'

/**
 * The live log: one line per task when its status changes, one warning per new cause of a
 * retried failure (repeats go to debug, so a storm stays readable). Every line starts with
 * our own words, and every outside text is sanitised, so nothing can forge a workflow command.
 */
export const progressLog: WaitObserver = {
  statusChanged(task: TaskResult): void {
    const run = task.runId === null ? '' : `, run ${sanitize(String(task.runId), 64)}`
    const message = task.message ? ` - ${task.message}` : ''
    core.info(
      `Task ${sanitize(task.taskId)}: ${task.status} after ${formatDuration(task.elapsedMs)}${run}${message}`
    )
  },
  unknownStatus(task: TaskResult): void {
    core.warning(
      `Task ${sanitize(task.taskId)}: CAMB.AI reported status '${task.status}', which this action does not know; it is treated as still running.`
    )
  },
  retrying(notice: RetryNotice): void {
    const line = `Task ${sanitize(notice.taskId)}: ${describeRetry(notice)}; retrying in ${formatDuration(notice.pauseMs)}`
    if (notice.repeated) core.debug(line)
    else core.warning(line)
  },
  recovered(taskId: string, failedAttempts: number): void {
    core.info(
      `Task ${sanitize(taskId)}: CAMB.AI answered again after ${failedAttempts} failed attempt${failedAttempts === 1 ? '' : 's'}`
    )
  }
}
