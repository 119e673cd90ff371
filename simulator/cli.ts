import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { scenario, type Scenario } from './scenario.js'
import { DEFAULT_API_KEY, startSimulator } from './server.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    key: { type: 'string', default: DEFAULT_API_KEY },
    config: { type: 'string' },
    help: { type: 'boolean', default: false }
  }
})

if (values.help) {
  console.log(`npm run simulator -- [--port N] [--key KEY] [--config scenarios.json]

A CAMB.AI stand-in on 127.0.0.1. Task ids name their scenario, for example:
  success-3s   error-2s   timeout-2s   payment-2s   never
  success-5s+503+reset+string   success-3s+404-2s   success-3s+unknown
--config maps task ids to scenarios: {"my-task": {"end": "ERROR", "afterMs": 2000}}`)
  process.exit(0)
}

const tasks: Record<string, Scenario> = {}
if (values.config) {
  const config = JSON.parse(fs.readFileSync(values.config, 'utf8')) as Record<
    string,
    Partial<Scenario>
  >
  for (const [id, overrides] of Object.entries(config)) tasks[id] = scenario(overrides)
}
const simulator = await startSimulator({ port: Number(values.port), apiKey: values.key, tasks })
console.log(
  `CAMB.AI simulator listening: base-url ${simulator.baseUrl}  api-key ${simulator.apiKey}`
)
console.log(
  `Try: curl -H 'x-api-key: ${simulator.apiKey}' ${simulator.baseUrl}/audio-separation/success-3s`
)
const stop = async (): Promise<void> => {
  await simulator.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
