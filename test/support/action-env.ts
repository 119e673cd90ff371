/** Helpers for running the action in-process: environment and captured stdout. */

/** Sets `vars` in process.env for the duration of a test; returns the undo. */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map(k => [k, process.env[k]]))
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
  apply(vars)
  return () => apply(saved)
}

/** Removes every INPUT_* variable, so tests do not see each other's inputs. */
export function clearInputs(): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
}

/** Collects what is written to stdout while `work` runs (where @actions/core writes). */
export async function captureStdout<T>(
  work: () => T | Promise<T>
): Promise<{ result: T; stdout: string }> {
  const original = process.stdout.write.bind(process.stdout)
  let stdout = ''
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    return true
  }) as typeof process.stdout.write
  try {
    const result = await work()
    return { result, stdout }
  } finally {
    process.stdout.write = original
  }
}
