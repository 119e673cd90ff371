/**
 * npm run bench [-- --quick]
 * Measures what the README's Performance section reports, and prints it as markdown (also
 * written to reports/bench.md). Every figure is a median over repeated runs; every comparison
 * is measured in the same run, as a ratio. --quick does one repetition of each, smaller, and
 * enforces nothing: CI runs it so that the bench does not rot.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { StatusSource } from '../src/camb-client.js'
import type { StatusReply } from '../src/reply.js'
import { waitForTasks, type WaitObserver } from '../src/waiter.js'
import { ROOT, runAction, type ActionRun } from '../simulator/runner.js'
import { scenario } from '../simulator/scenario.js'
import { startSimulator } from '../simulator/server.js'
import { seededRandom, VirtualClock } from '../test/support/virtual-clock.js'

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } })
const QUICK = values.quick
const KEY = 'bench-key-0f1e2d3c'
const lines: string[] = []
const say = (line = ''): void => {
  lines.push(line)
  console.log(line)
}
const misses: string[] = []
const goal = (met: boolean, text: string): string => {
  if (!met) misses.push(text)
  return met ? `met (${text})` : `**missed** (${text})`
}
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`

interface Usage {
  userCPUTime: number
  systemCPUTime: number
  maxRSS: number
}

/** Runs a bundle as the runner would, with the usage preload; returns the run and its usage. */
async function measured(
  main: string,
  inputs: Record<string, string>
): Promise<{ run: ActionRun; usage: Usage }> {
  const file = path.join(
    os.tmpdir(),
    `bench-usage-${process.pid}-${Math.random().toString(36).slice(2)}.json`
  )
  const run = await runAction({
    main,
    inputs,
    env: {
      NODE_OPTIONS: `--import=${path.join(ROOT, 'bench', 'usage.mjs')}`,
      BENCH_USAGE_FILE: file
    }
  })
  const usage = JSON.parse(fs.readFileSync(file, 'utf8')) as Usage
  fs.rmSync(file, { force: true })
  return { run, usage }
}

say(`# Benchmark report${QUICK ? ' (quick mode: one repetition, goals not enforced)' : ''}`)
say()
say(`- Date: ${new Date().toISOString()}`)
say(
  `- Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`
)
say(`- Node ${process.version}, ${os.platform()} ${os.release()}`)
say(`- Command: \`npm run bench${QUICK ? ' -- --quick' : ''}\``)

// 1. Start-up against a floor.
const simulator = await startSimulator({ apiKey: KEY, tasks: { done: scenario({ afterMs: 0 }) } })
const floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-floor-'))
execFileSync(
  path.join(ROOT, 'node_modules', '.bin', 'ncc'),
  ['build', path.join(ROOT, 'bench', 'floor.ts'), '-o', floorDir, '-q'],
  {
    cwd: ROOT,
    stdio: 'ignore'
  }
)
const actionMain = path.join(ROOT, 'dist', 'index.js')
const floorMain = path.join(floorDir, 'index.js')
const startInputs = {
  'task-id': 'done',
  'api-key': KEY,
  'base-url': simulator.baseUrl,
  'fetch-result': 'false'
}
const pairs = QUICK ? 1 : 15
const actionTimes: number[] = []
const floorTimes: number[] = []
const startupCpu: number[] = []
for (let i = 0; i < pairs; i++) {
  const a = await measured(actionMain, startInputs)
  if (a.run.outputs.status !== 'SUCCESS') throw new Error(`start-up run failed: ${a.run.stdout}`)
  actionTimes.push(a.run.durationMs)
  startupCpu.push((a.usage.userCPUTime + a.usage.systemCPUTime) / 1e6)
  const b = await measured(floorMain, startInputs)
  if (b.run.outputs.status !== 'SUCCESS') throw new Error(`floor run failed: ${b.run.stdout}`)
  floorTimes.push(b.run.durationMs)
}
await simulator.close()
const startRatio = median(actionTimes) / median(floorTimes)
say()
say('## 1. Start-up')
say()
say(
  `One task already SUCCESS on the simulator, one request, run as the runner runs it; A B alternated, ${pairs} pairs.`
)
say()
say('| | median wall time | bundle |')
say('|---|---|---|')
say(
  `| this action (\`dist/index.js\`) | ${median(actionTimes).toFixed(0)} ms | ${kib(fs.statSync(actionMain).size)} |`
)
say(
  `| floor (core + http-client, one GET, one output) | ${median(floorTimes).toFixed(0)} ms | ${kib(fs.statSync(floorMain).size)} |`
)
say()
say(
  `Ratio ${startRatio.toFixed(2)}; goal at most 1.10: ${goal(startRatio <= 1.1, `start-up ratio ${startRatio.toFixed(2)}`)}.`
)
fs.rmSync(floorDir, { recursive: true, force: true })

// 2. Promptness and request cost on a virtual clock.
const ends = [10_000, 30_000, 120_000, 600_000, 1_800_000]
const seeds = QUICK ? 1 : 21
const quiet: WaitObserver = {
  statusChanged() {},
  unknownStatus() {},
  retrying() {},
  recovered() {}
}

/**
 * Where within the second after the time named a task really ends, by seed: a task never ends
 * exactly on a poll, and a fixed poller must not look perfect because 10 s is 2 × 5 s.
 */
const offset = (seed: number): number => Math.floor(seededRandom(seed * 7919)() * 1_000)

/** Requests and notice delay for a task ending after `endMs`, polled by this action's schedule. */
async function actionSchedule(
  endMs: number,
  seed: number
): Promise<{ requests: number; delayMs: number }> {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1), seededRandom(seed))
  const start = clock.now()
  let requests = 0
  const source: StatusSource = {
    getStatus: async (): Promise<StatusReply> => {
      requests++
      const done = clock.now() - start >= endMs
      return { kind: 'status', status: done ? 'SUCCESS' : 'PENDING', runId: null, message: '' }
    }
  }
  const outcome = await clock.run(
    waitForTasks({
      taskIds: ['t'],
      timeoutMs: 3_600_000,
      pacing: { intervalMs: 5_000, maxIntervalMs: 30_000 },
      failFast: true,
      requestTimeoutMs: 30_000,
      source,
      clock,
      observer: quiet
    })
  )
  return { requests, delayMs: outcome.elapsedMs - endMs }
}

function fixedPoller(endMs: number, everyMs: number): { requests: number; delayMs: number } {
  const polls = Math.ceil(endMs / everyMs)
  return { requests: polls + 1, delayMs: polls * everyMs - endMs }
}

say()
say('## 2. Promptness and request cost')
say()
say(
  `Defaults (interval 5 s, max-interval 30 s), the schedule code itself on a virtual clock. Each task ends at a random point of the second after the time named, the same for every poller; median of ${seeds} seeds, and this action's worst.`
)
say()
say(
  '| task ends after | this action: requests | this action: noticed after the end | 3 s poller | 5 s poller | 10 s poller |'
)
say('|---|---|---|---|---|---|')
let promptnessMet = true
let thirtyMinuteRequests = 0
for (const endMs of ends) {
  const runs = await Promise.all(
    Array.from({ length: seeds }, (_, seed) => actionSchedule(endMs + offset(seed + 1), seed + 1))
  )
  const requests = median(runs.map(r => r.requests))
  const delays = runs.map(r => r.delayMs)
  const worst = Math.max(...delays)
  if (worst > Math.max(5_000, Math.min(0.2 * endMs, 30_000))) promptnessMet = false
  if (endMs === 1_800_000) thirtyMinuteRequests = Math.max(...runs.map(r => r.requests))
  const fixed = [3_000, 5_000, 10_000].map(every => {
    const polls = Array.from({ length: seeds }, (_, seed) =>
      fixedPoller(endMs + offset(seed + 1), every)
    )
    return {
      requests: median(polls.map(p => p.requests)),
      delayMs: median(polls.map(p => p.delayMs))
    }
  })
  say(
    `| ${endMs >= 60_000 ? `${endMs / 60_000} min` : `${endMs / 1000} s`} | ${requests} | ${(median(delays) / 1000).toFixed(1)} s (worst ${(worst / 1000).toFixed(1)} s) | ` +
      fixed.map(f => `${f.requests} req, ${(f.delayMs / 1000).toFixed(1)} s`).join(' | ') +
      ' |'
  )
}
say()
say(
  `Notice within 20% of the run time and within max-interval (never below interval, 5 s): ${goal(promptnessMet, 'worst notice delay per row')}. ` +
    `A 30-minute task at most 80 requests: ${goal(thirtyMinuteRequests <= 80, `${thirtyMinuteRequests} at most`)}.`
)

// 3. Scale.
// The last row adds 100 ms to every reply, as a distant API would: only then do requests overlap.
const sizes: Array<[number, number]> = QUICK
  ? [
      [1, 0],
      [10, 0]
    ]
  : [
      [1, 0],
      [10, 0],
      [100, 0],
      [500, 0],
      [500, 100]
    ]
say()
say('## 3. Scale')
say()
say(
  'Task ids in one step against the simulator, each finishing at a random time within 5 s of its first poll; defaults otherwise.'
)
say()
say('| tasks | reply latency | wall time | requests | most in flight | peak memory (RSS) |')
say('|---|---|---|---|---|---|')
let scaleMet = true
for (const [size, latencyMs] of sizes) {
  const random = seededRandom(size)
  const ids = Array.from({ length: size }, (_, i) => `scale-${size}-${i}`)
  const sim = await startSimulator({
    apiKey: KEY,
    latencyMs,
    tasks: Object.fromEntries(
      ids.map(id => [id, scenario({ afterMs: Math.floor(random() * 5_000) })])
    )
  })
  const { run, usage } = await measured(actionMain, {
    'task-id': ids.join('\n'),
    'api-key': KEY,
    'base-url': sim.baseUrl
  })
  await sim.close()
  if (run.outputs.status !== 'SUCCESS')
    throw new Error(`scale run of ${size} failed: ${run.stdout.slice(-2000)}`)
  const rssMb = usage.maxRSS / 1024
  const slow = latencyMs === 0 && run.durationMs > 7_000
  if (slow || sim.peakInFlight > 8 || (size === 500 && rssMb >= 100)) scaleMet = false
  say(
    `| ${size} | ${latencyMs} ms | ${(run.durationMs / 1000).toFixed(2)} s | ${sim.requests.length} | ${sim.peakInFlight} | ${rssMb.toFixed(0)} MB |`
  )
}
say()
say(
  `Wall time at most 7 s (loopback rows), at most 8 in flight, under 100 MB at 500: ${goal(scaleMet, 'every row')}. ` +
    'With 100 ms replies a round of 500 polls needs at least 500 × 0.1 s / 8 = 6.25 s: the cap of 8 in flight, not the schedule, sets the pace there.'
)

// 4. Cost of waiting.
const waitMs = QUICK ? 5_000 : 60_000
const sim = await startSimulator({ apiKey: KEY, tasks: { slow: scenario({ afterMs: waitMs }) } })
const waiting = await measured(actionMain, {
  'task-id': 'slow',
  'api-key': KEY,
  'base-url': sim.baseUrl,
  'fetch-result': 'false'
})
await sim.close()
const waitCpu = (waiting.usage.userCPUTime + waiting.usage.systemCPUTime) / 1e6
const added = waitCpu - median(startupCpu)
say()
say('## 4. Cost of waiting')
say()
say(
  `A step that waits ${waitMs / 1000} s for one task at the defaults, against the start-up run of section 1 (CPU = user + system).`
)
say()
say('| | CPU | requests |')
say('|---|---|---|')
say(`| start-up (median) | ${median(startupCpu).toFixed(3)} s | 1 |`)
say(`| waiting ${waitMs / 1000} s | ${waitCpu.toFixed(3)} s | ${sim.requests.length} |`)
say()
say(
  `Waiting adds ${added.toFixed(3)} s of CPU; goal under 0.1 s: ${goal(added < 0.1, `${added.toFixed(3)} s`)}.`
)

fs.mkdirSync(path.join(ROOT, 'reports'), { recursive: true })
fs.writeFileSync(path.join(ROOT, 'reports', 'bench.md'), `${lines.join('\n')}\n`)
if (misses.length > 0) console.error(`\nGoals missed: ${misses.join('; ')}`)
process.exit(0)
