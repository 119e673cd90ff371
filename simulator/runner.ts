import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

/**
 * Runs an action the way GitHub's runner does (actions/runner 2.336): `node <main>` with the
 * workspace as working directory, stdin closed, inputs as INPUT_<NAME> with action.yml's
 * defaults filled in, fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and workflow
 * commands read from stdout and stderr.
 */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

interface ActionMetadata {
  inputs: Record<string, { default?: string; required?: boolean; description: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string }
}

export function readActionYml(): ActionMetadata {
  return parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionMetadata
}

/** The runner's name for an input's variable: upper case, spaces to underscores, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** INPUT_* variables: action.yml's defaults, overridden by `given`. */
export function inputEnv(given: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, spec] of Object.entries(readActionYml().inputs)) {
    if (spec.default !== undefined) env[inputVariable(name)] = String(spec.default)
  }
  for (const [name, value] of Object.entries(given)) env[inputVariable(name)] = value
  return env
}

/** Fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, as the runner creates for each step. */
export function makeRunnerFiles(): { dir: string; output: string; summary: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camb-step-'))
  const output = path.join(dir, 'output')
  const summary = path.join(dir, 'summary')
  fs.writeFileSync(output, '')
  fs.writeFileSync(summary, '')
  return { dir, output, summary }
}

/** Parses a GITHUB_OUTPUT file written in the `name<<delimiter` form. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!match) continue
    const [, name, delimiter] = match
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
    outputs[name] = value.join('\n')
  }
  return outputs
}

export interface WorkflowCommand {
  command: string
  properties: Record<string, string>
  message: string
}

/** The workflow commands the runner would execute from a log: lines starting with `::`. */
export function parseCommands(log: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = []
  for (const line of log.split(/\r?\n/)) {
    const match = /^::([A-Za-z-]+)( [^:]*)?::(.*)$/.exec(line.trimStart())
    if (!match) continue
    const properties: Record<string, string> = {}
    for (const pair of (match[2] ?? '').trim().split(',').filter(Boolean)) {
      const [key, ...rest] = pair.split('=')
      properties[key] = unescapeCommand(rest.join('='))
    }
    commands.push({ command: match[1], properties, message: unescapeCommand(match[3]) })
  }
  return commands
}

function unescapeCommand(text: string): string {
  return text
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%')
}

export interface ActionRun {
  exitCode: number | null
  /** Wall time from spawn to exit. */
  durationMs: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** Workflow commands from stdout and stderr, in that order. */
  commands: WorkflowCommand[]
}

export interface RunActionOptions {
  inputs: Record<string, string>
  /** Extra environment, such as ACTIONS_STEP_DEBUG or HTTPS_PROXY. */
  env?: Record<string, string>
  /** Sends a signal after this long, as the runner does on cancellation. */
  signal?: { name: NodeJS.Signals; afterMs: number }
  /** The script to run; action.yml's runs.main by default. */
  main?: string
  /** Kills a run that outlives this: a hung action must not hang its caller. */
  killAfterMs?: number
  /** Each line of stdout as it arrives, for a live view. */
  onLine?: (line: string) => void
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const files = makeRunnerFiles()
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'camb-workspace-'))
  const main = options.main ?? path.join(ROOT, readActionYml().runs.main)
  // Not process.env: a test runner's NODE_OPTIONS must not leak into the action.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: os.homedir(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: files.dir,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    ...inputEnv(options.inputs),
    ...options.env
  }
  const started = performance.now()
  const child = spawn(process.execPath, [main], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  let partial = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    if (!options.onLine) return
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) options.onLine(line)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const signalTimer =
    options.signal && setTimeout(() => child.kill(options.signal!.name), options.signal.afterMs)
  const killTimer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 120_000)
  const exitCode = await new Promise<number | null>(resolve =>
    child.on('close', code => resolve(code))
  )
  const durationMs = performance.now() - started
  clearTimeout(signalTimer)
  clearTimeout(killTimer)
  if (partial && options.onLine) options.onLine(partial)
  try {
    return {
      exitCode,
      durationMs,
      stdout,
      stderr,
      outputs: parseOutputFile(fs.readFileSync(files.output, 'utf8')),
      summary: fs.readFileSync(files.summary, 'utf8'),
      commands: [...parseCommands(stdout), ...parseCommands(stderr)]
    }
  } finally {
    fs.rmSync(files.dir, { recursive: true, force: true })
    fs.rmSync(workspace, { recursive: true, force: true })
  }
}
