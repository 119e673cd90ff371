// Loaded with --import into a benchmarked process: at exit, writes its CPU time and peak memory
// (process.resourceUsage) to BENCH_USAGE_FILE. It observes only; the action runs unchanged.
import fs from 'node:fs'

process.on('exit', () => {
  if (process.env.BENCH_USAGE_FILE)
    fs.writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify(process.resourceUsage()))
})
