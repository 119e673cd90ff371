import fs from 'node:fs'
import path from 'node:path'
import { ACTION_VERSION, Defaults, Input, Output } from '../src/constants.js'
import { ROOT, readActionYml } from '../simulator/runner.js'

const yml = readActionYml()

describe('action.yml is the contract', () => {
  it('declares exactly the inputs the code reads', () => {
    expect(Object.keys(yml.inputs).sort()).toEqual(Object.values(Input).sort())
  })

  it('declares exactly the outputs the code sets', () => {
    expect(Object.keys(yml.outputs).sort()).toEqual(Object.values(Output).sort())
  })

  it('gives the same defaults as the code', () => {
    for (const [name, value] of Object.entries(Defaults))
      expect(String(yml.inputs[name].default)).toBe(value)
  })

  it('marks task-id and api-key required, and describes every input and output', () => {
    expect(yml.inputs['task-id'].required).toBe(true)
    expect(yml.inputs['api-key'].required).toBe(true)
    for (const spec of [...Object.values(yml.inputs), ...Object.values(yml.outputs)]) {
      expect(spec.description.length).toBeGreaterThan(20)
    }
  })

  it('runs the bundle on node24', () => {
    expect(yml.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    expect(fs.existsSync(path.join(ROOT, yml.runs.main))).toBe(true)
  })

  it('names the same version in the User-Agent as package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string
    }
    expect(ACTION_VERSION).toBe(pkg.version)
  })
})
