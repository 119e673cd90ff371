import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

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
      properties[key] = unescape(rest.join('='))
    }
    commands.push({ command: match[1], properties, message: unescape(match[3]) })
  }
  return commands
}

function unescape(text: string): string {
  return text
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%')
}
