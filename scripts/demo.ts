/**
 * npm run demo [-- --scenario NAME] [--debug]
 * Runs the committed dist/index.js exactly as GitHub's runner would, against the local CAMB.AI
 * simulator, and shows what a user would see: the log, the outputs and the job summary.
 * No key, no network, nothing built.
 */
import { parseArgs } from 'node:util'
import { runAction, type ActionRun } from '../simulator/runner.js'
import { startSimulator } from '../simulator/server.js'

interface Demo {
  about: string
  inputs: Record<string, string>
}

const SCENARIOS: Record<string, Demo> = {
  success: { about: 'PENDING for 4 s, then SUCCESS', inputs: { 'task-id': 'success-4s' } },
  error: { about: 'ends in ERROR with an exception reason', inputs: { 'task-id': 'error-3s' } },
  timeout: { about: "CAMB.AI's own TIMEOUT end state", inputs: { 'task-id': 'timeout-3s' } },
  payment: { about: 'ends in PAYMENT_REQUIRED', inputs: { 'task-id': 'payment-2s' } },
  flaky: {
    about: 'a 503, a connection reset and a 429 with Retry-After, then SUCCESS',
    inputs: { 'task-id': 'success-4s+503+reset+429' }
  },
  several: {
    about: 'three tasks in parallel, one answering in the bare-string shape',
    inputs: { 'task-id': 'success-2s\nsuccess-5s\nsuccess-3s+string' }
  },
  'wait-timeout': {
    about: 'a task that never ends, with timeout 6s',
    inputs: { 'task-id': 'never', timeout: '6s' }
  },
  'not-found': {
    about: 'a task id CAMB.AI does not know (404 for 10 s)',
    inputs: { 'task-id': 'no-such-task' }
  },
  'bad-key': {
    about: 'a key CAMB.AI rejects',
    inputs: { 'task-id': 'success-2s', 'api-key': 'not-the-right-key' }
  },
  redirect: {
    about: 'a redirect to another origin, which is not followed',
    inputs: { 'task-id': 'success-2s+redirect' }
  },
  'bad-input': {
    about: 'an input that does not parse',
    inputs: { 'task-id': 'success-2s', timeout: 'soon' }
  }
}

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'success' },
    debug: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false }
  }
})

if (values.list || !SCENARIOS[values.scenario]) {
  if (!values.list) console.error(`Unknown scenario '${values.scenario}'.`)
  console.log('Scenarios (npm run demo -- --scenario NAME):')
  for (const [name, demo] of Object.entries(SCENARIOS))
    console.log(`  ${name.padEnd(13)} ${demo.about}`)
  process.exit(values.list ? 0 : 2)
}

const demo = SCENARIOS[values.scenario]
const simulator = await startSimulator({ apiKey: 'demo-key' })
const inputs = {
  'api-key': simulator.apiKey,
  'base-url': simulator.baseUrl,
  interval: '1s',
  ...demo.inputs
}
console.log(`Scenario '${values.scenario}': ${demo.about}`)
console.log(`CAMB.AI simulator at ${simulator.baseUrl}; running dist/index.js as the runner would.`)
console.log(`with: ${JSON.stringify({ ...inputs, 'api-key': '***' })}\n`)
console.log('── step log ─────────────────────────────────────────')

const run = await runAction({ inputs, onLine: line => printLogLine(line, values.debug) })
await simulator.close()
for (const line of run.stderr.split('\n').filter(Boolean)) printLogLine(line, values.debug)
report(run)
process.exit(0)

/** A log line as GitHub shows it: commands rendered, masks and debug hidden. */
function printLogLine(line: string, debug: boolean): void {
  const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line)
  if (!command) return console.log(`  ${line}`)
  const [, name, props, message] = command
  const text = message.replace(/%0A/g, '\n    ').replace(/%0D/g, '').replace(/%25/g, '%')
  const title = /title=([^,]*)/
    .exec(props ?? '')?.[1]
    ?.replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
  if (name === 'error') console.log(`  Error: ${title ? `[${title}] ` : ''}${text}`)
  else if (name === 'warning') console.log(`  Warning: ${text}`)
  else if (name === 'debug' && debug) console.log(`  ##[debug]${text}`)
}

function report(result: ActionRun): void {
  const passed = result.exitCode === 0
  console.log(
    `\n── step result: exit code ${result.exitCode} (${passed ? 'passed' : 'failed'}) ──────────────────`
  )
  console.log('\n── outputs ─────────────────────────────────────────')
  for (const [name, value] of Object.entries(result.outputs))
    console.log(`  ${name.padEnd(10)} ${value}`)
  console.log('\n── job summary ─────────────────────────────────────')
  console.log(renderSummary(result.summary))
}

/** The job summary's HTML as plain text: headings, aligned table columns, list items. */
function renderSummary(html: string): string {
  const text = (s: string): string =>
    s
      .replace(/<[^>]+>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&')
      .trim()
  const out: string[] = []
  for (const block of html.split(/(?=<h3>)|(?=<table>)|(?=<ul>)/)) {
    if (block.startsWith('<h3>')) out.push(`  ${text(block)}`)
    else if (block.startsWith('<ul>'))
      for (const li of block.split('<li>').slice(1)) out.push(`  - ${text(li)}`)
    else if (block.startsWith('<table>')) {
      const rows = block
        .split('<tr>')
        .slice(1)
        .map(row =>
          row
            .split(/<t[hd]>/)
            .slice(1)
            .map(text)
        )
      const widths = rows[0].map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length)))
      for (const [n, row] of rows.entries()) {
        out.push(`  ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')}`)
        if (n === 0) out.push(`  ${widths.map(w => '-'.repeat(w)).join('-|-')}`)
      }
    }
  }
  return out.join('\n')
}
