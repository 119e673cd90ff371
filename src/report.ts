import fs from 'node:fs'
import * as core from '@actions/core'
import { Output, SUCCESS } from './constants.js'
import { formatDuration, toSeconds } from './duration.js'
import { escapeHtml, sanitize } from './sanitize.js'
import { describeUrl, stemUrl, STEMS } from './stems.js'
import { isFailedStatus, taskOutcome, type TaskResult, type WaitOutcome } from './waiter.js'

/** Per-task annotations beyond this are folded into one: GitHub shows only the first few. */
const MAX_TASK_ANNOTATIONS = 10

/** How the step ends, derived from a wait's outcome: the single source for every report. */
export interface Verdict {
  passed: boolean
  /** The `status` output. */
  status: string
  timedOut: boolean
  /** One line for the log and the summary heading. */
  headline: string
  annotations: Array<{ title: string; message: string }>
}

export interface VerdictContext {
  timeoutMs: number
  /** The signal that cancelled the run, if one did. */
  cancelledBy?: string
}

const ADVICE: Record<string, string> = {
  ERROR:
    'The separation failed: check the source file against the reason given, then submit it again.',
  TIMEOUT: 'CAMB.AI gave up on the separation: submit it again, or split a very long recording.',
  PAYMENT_REQUIRED:
    'The CAMB.AI account has no credit for this: top it up or change the plan, then submit again.'
}

/** Decides pass or fail, the `status` output, the headline and the annotations. */
export function judge(outcome: WaitOutcome, context: VerdictContext): Verdict {
  const { tasks } = outcome
  const unfinished = tasks.filter(t => taskOutcome(t) === 'unfinished')
  const failed = tasks.filter(t => taskOutcome(t) === 'failed')
  const passed = tasks.every(t => taskOutcome(t) === 'succeeded')
  const timedOut = outcome.stop === 'deadline' && unfinished.length > 0
  const firstBad =
    tasks.find(t => isFailedStatus(t.status)) ?? tasks.find(t => t.status !== SUCCESS)
  // A failed download leaves every status SUCCESS: the separation itself succeeded.
  const status = passed || !firstBad ? (tasks.length > 0 ? SUCCESS : '') : firstBad.status
  const took = formatDuration(outcome.elapsedMs)
  const n = tasks.length
  const count = (k: number): string => (n === 1 ? 'the task' : `${k} of ${n} tasks`)

  let headline: string
  if (passed) headline = `${n === 1 ? 'The task' : `All ${n} tasks`} succeeded in ${took}`
  else if (outcome.stop === 'key-rejected') headline = 'CAMB.AI rejected the API key'
  else if (outcome.stop === 'cancelled')
    headline = `Cancelled by ${context.cancelledBy ?? 'a signal'} after ${took}`
  else if (timedOut)
    headline = `Timed out after ${formatDuration(context.timeoutMs)}: ${count(unfinished.length)} unfinished`
  else
    headline =
      n === 1 ? `The task failed after ${took}` : `${count(failed.length)} failed after ${took}`
  if (!passed && failed.length > 0 && (timedOut || outcome.stop === 'cancelled')) {
    headline += `, ${failed.length} failed`
  }

  const annotations: Verdict['annotations'] = []
  if (outcome.stop === 'key-rejected') {
    const rejected = tasks.find(t => t.failure?.kind === 'key-rejected')
    annotations.push({
      title: 'CAMB.AI API key rejected',
      message: rejected?.failure?.message ?? headline
    })
  }
  const perTask = tasks.flatMap(task => {
    if (task.failure?.kind === 'key-rejected') return []
    const message = taskProblem(task, outcome, context)
    return message ? [{ title: `CAMB.AI task ${sanitize(task.taskId, 100)}`, message }] : []
  })
  annotations.push(...perTask.slice(0, MAX_TASK_ANNOTATIONS))
  if (perTask.length > MAX_TASK_ANNOTATIONS) {
    annotations.push({
      title: 'More CAMB.AI tasks did not succeed',
      message: `${perTask.length - MAX_TASK_ANNOTATIONS} more tasks did not succeed; the job summary lists every task.`
    })
  }
  if (outcome.stop === 'cancelled') {
    annotations.push({
      title: 'Wait cancelled',
      message: `${headline}; ${unfinished.length} task${unfinished.length === 1 ? '' : 's'} still unfinished.`
    })
  }
  return { passed, status, timedOut, headline, annotations }
}

/** Why one task did not succeed, in words a user can act on; '' when it succeeded or was merely stopped. */
function taskProblem(task: TaskResult, outcome: WaitOutcome, context: VerdictContext): string {
  const id = sanitize(task.taskId, 100)
  if (task.failure) return `Task ${id}: ${task.failure.message}`
  if (isFailedStatus(task.status)) {
    const said = task.message ? `: ${task.message.replace(/[.!?]+$/, '')}` : ''
    return `Task ${id} ended with ${task.status} after ${formatDuration(task.elapsedMs)}${said}. ${ADVICE[task.status]}`
  }
  if (taskOutcome(task) === 'unfinished' && outcome.stop === 'deadline') {
    const state = task.status ? `still ${task.status}` : 'not answered'
    const why = task.lastError ? ` Last problem: ${task.lastError}.` : ''
    return (
      `Task ${id} was ${state} when timeout (${formatDuration(context.timeoutMs)}) ran out, after ${task.polls} polls.${why} ` +
      `Raise timeout if separations this long are expected.`
    )
  }
  return ''
}

/** The Message column and the `error` field of `results`: what else there is to say of a task. */
function taskNote(task: TaskResult, outcome: WaitOutcome): string {
  if (task.failure) return task.failure.message
  if (task.resultProblem) return task.resultProblem
  if (taskOutcome(task) !== 'unfinished') return ''
  const last = task.lastError ? `; last problem: ${task.lastError}` : ''
  switch (outcome.stop) {
    case 'deadline':
      return `unfinished when the timeout ran out${last}`
    case 'cancelled':
      return `unfinished when the run was cancelled${last}`
    case 'fail-fast':
      return `not waited for further: another task failed (fail-fast)${last}`
    case 'key-rejected':
      return 'not waited for further: the API key was rejected'
    default:
      return last
  }
}

/** Sets every output. Called on every exit path; only this module writes outputs. */
export function writeOutputs(outcome: WaitOutcome, verdict: Verdict): void {
  const statuses = Object.fromEntries(outcome.tasks.map(t => [t.taskId, t.status]))
  const results = Object.fromEntries(
    outcome.tasks.map(t => [
      t.taskId,
      {
        status: t.status,
        run_id: t.runId,
        message: t.message,
        polls: t.polls,
        elapsed: toSeconds(t.elapsedMs),
        error: taskNote(t, outcome),
        foreground_url: t.stems?.foregroundUrl ?? '',
        background_url: t.stems?.backgroundUrl ?? '',
        foreground_path: t.files?.foreground ?? '',
        background_path: t.files?.background ?? ''
      }
    ])
  )
  const first = outcome.tasks[0]
  core.setOutput(Output.Status, verdict.status)
  core.setOutput(Output.Statuses, JSON.stringify(statuses))
  core.setOutput(
    Output.RunId,
    first?.runId === null || first === undefined ? '' : String(first.runId)
  )
  core.setOutput(Output.Results, JSON.stringify(results))
  core.setOutput(Output.TimedOut, String(verdict.timedOut))
  core.setOutput(Output.Elapsed, toSeconds(outcome.elapsedMs).toFixed(1))
  core.setOutput(Output.ForegroundUrl, first?.stems?.foregroundUrl ?? '')
  core.setOutput(Output.BackgroundUrl, first?.stems?.backgroundUrl ?? '')
  core.setOutput(Output.ForegroundPath, first?.files?.foreground ?? '')
  core.setOutput(Output.BackgroundPath, first?.files?.background ?? '')
}

/** The job summary: a headline and one table row per task. Skipped where there is no summary file. */
export function writeSummary(outcome: WaitOutcome, verdict: Verdict): void {
  // core.summary leaves an empty cell unclosed; a space keeps the table well formed.
  const cell = (text: string): string => escapeHtml(text) || ' '
  const withStems = outcome.tasks.some(t => t.stems)
  const columns = [
    'Task',
    'Status',
    'Run id',
    'Polls',
    'Waited',
    'Message',
    ...(withStems ? ['Stems'] : [])
  ]
  const header = columns.map(data => ({ data, header: true }))
  const rows = outcome.tasks.map(t => [
    cell(t.taskId),
    cell(t.status || '(no answer)'),
    cell(t.runId === null ? '' : String(t.runId)),
    String(t.polls),
    formatDuration(t.elapsedMs),
    cell([t.message, taskNote(t, outcome)].filter(Boolean).join(' - ')),
    ...(withStems ? [stemsCell(t)] : [])
  ])
  appendSummary(
    core.summary
      .addHeading(
        `${verdict.passed ? '✅' : '❌'} CAMB.AI audio separation: ${cell(verdict.headline)}`,
        3
      )
      .addTable([header, ...rows])
  )
}

/** Where each stem is: host and file name of its URL (never the URL whole), and the saved file. */
function stemsCell(task: TaskResult): string {
  if (!task.stems) return ' '
  return STEMS.map(stem => {
    const saved = task.files?.[stem] ? ` → ${task.files[stem]}` : ''
    return escapeHtml(`${stem}: ${describeUrl(stemUrl(task.stems!, stem))}${saved}`)
  }).join('<br>')
}

/**
 * Appends what was built with core.summary to the step's summary file. core.summary.write()
 * caches the file's path from its first call; reading it each time keeps every step right.
 */
function appendSummary(built: typeof core.summary): void {
  const html = built.stringify()
  built.emptyBuffer()
  const file = process.env.GITHUB_STEP_SUMMARY
  if (!file) {
    core.debug('GITHUB_STEP_SUMMARY is not set: no job summary written')
    return
  }
  fs.appendFileSync(file, `${html}\n`)
}

/** Annotations, the closing log line and the exit code. */
export function announce(verdict: Verdict): void {
  for (const { title, message } of verdict.annotations) core.error(message, { title })
  if (verdict.passed) core.info(verdict.headline)
  else process.exitCode = core.ExitCode.Failure
}

/** Reports a wait: outputs first (they matter most to the next step), then summary, then verdict. */
export function publish(outcome: WaitOutcome, context: VerdictContext): Verdict {
  const verdict = judge(outcome, context)
  writeOutputs(outcome, verdict)
  writeSummary(outcome, verdict)
  announce(verdict)
  return verdict
}

/**
 * Reports a step that could not start waiting (bad inputs, an unexpected error): empty outputs,
 * a summary that lists the problems, one annotation per problem, exit code 1.
 */
export function publishProblems(title: string, problems: string[]): void {
  const none: WaitOutcome = { tasks: [], stop: 'finished', elapsedMs: 0, peakInFlight: 0 }
  const verdict: Verdict = {
    passed: false,
    status: '',
    timedOut: false,
    headline: title,
    annotations: []
  }
  writeOutputs(none, verdict)
  appendSummary(
    core.summary
      .addHeading(`❌ CAMB.AI audio separation: ${escapeHtml(title)}`, 3)
      .addList(problems.map(escapeHtml))
  )
  for (const message of problems) core.error(message, { title })
  process.exitCode = core.ExitCode.Failure
}
