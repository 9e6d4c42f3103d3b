import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs'
import { rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sessionDir } from './session-files.js'

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * `<dataDir>/sessions/<session>/env`: the environment the session's sandbox was started with, as a JSON
 * object. Mode 0600, owned by labgate's user (root when labgate is root), in the session's directory,
 * which no sandbox sees; it may hold secrets. Purging the session's files removes it.
 */
export const sandboxEnvFile = (dataDir: string, session: string) => join(sessionDir(dataDir, session), 'env')

/**
 * Records `env` as the environment of the session's sandbox ({@link sandboxEnvFile}), replacing what an
 * earlier start recorded. The file appears whole (written beside it, then renamed), mode 0600. The session's
 * directory must exist. Rejects with the file system's error.
 */
export async function writeSandboxEnvFile(
  dataDir: string,
  session: string,
  env: Record<string, string>,
): Promise<void> {
  const file = sandboxEnvFile(dataDir, session)
  const temp = `${file}.new`
  await rm(temp, { force: true })
  await writeFile(temp, JSON.stringify(env), { mode: 0o600, flag: 'wx' })
  await rename(temp, file)
}

/**
 * The environment recorded by {@link writeSandboxEnvFile} for `session`, or null when there is none (a
 * sandbox started by a version that did not record it) or it cannot be trusted: not a regular file (a
 * symlink is not followed), not owned by labgate's user, readable by others, or not an object of valid
 * variables. Synchronous (a small file, read once per command run in the sandbox). Never throws.
 */
export function readSandboxEnvFile(dataDir: string, session: string): Record<string, string> | null {
  let fd: number
  try {
    fd = openSync(sandboxEnvFile(dataDir, session), constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch {
    return null
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile() || st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) return null
    return parseEnv(readFileSync(fd, 'utf8'))
  } catch {
    return null
  } finally {
    closeSync(fd)
  }
}

function parseEnv(text: string): Record<string, string> | null {
  const value: unknown = JSON.parse(text)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const env: Record<string, string> = {}
  for (const [name, v] of Object.entries(value)) {
    if (!VARIABLE_NAME.test(name) || typeof v !== 'string' || v.includes('\0')) return null
    env[name] = v
  }
  return env
}
