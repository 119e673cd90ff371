/**
 * The floor for the start-up benchmark: the least an action built on the same two packages can
 * do for an already finished task. One GET, one output. Bundled by the bench with ncc, never
 * committed as a bundle.
 */
import * as core from '@actions/core'
import { HttpClient } from '@actions/http-client'

const client = new HttpClient('floor', [], { allowRedirects: false })
const key = core.getInput('api-key')
core.setSecret(key)
const response = await client.get(
  `${core.getInput('base-url')}/audio-separation/${encodeURIComponent(core.getInput('task-id'))}`,
  {
    'x-api-key': key
  }
)
const body = JSON.parse(await response.readBody()) as { status: string }
core.setOutput('status', body.status)
process.exit()
