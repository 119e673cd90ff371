/**
 * npm run local-action
 * Runs src/main.ts with @github/local-action, inputs from .env (or .env.example when there is
 * none). When those inputs point at the simulator's default address, the simulator is started
 * here first, so the command works with no key and no network.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT } from '../simulator/runner.js'
import { startSimulator, type Simulator } from '../simulator/server.js'

const SIMULATOR_PORT = 8787
const envFile = fs.existsSync(path.join(ROOT, '.env')) ? '.env' : '.env.example'
const env = fs.readFileSync(path.join(ROOT, envFile), 'utf8')
console.log(`Inputs from ${envFile}`)

let simulator: Simulator | undefined
if (env.includes(`127.0.0.1:${SIMULATOR_PORT}`)) {
  simulator = await startSimulator({ port: SIMULATOR_PORT })
  console.log(`CAMB.AI simulator at ${simulator.baseUrl}`)
}
const bin = path.join(ROOT, 'node_modules', '.bin', 'local-action')
// spawn, not spawnSync: the simulator in this process must keep answering meanwhile.
const result = await new Promise<number>(resolve => {
  const child = spawn(bin, ['run', '.', 'src/main.ts', envFile], { cwd: ROOT, stdio: 'inherit' })
  child.on('close', code => resolve(code ?? 1))
})
await simulator?.close()
process.exit(result)
