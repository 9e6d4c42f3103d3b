/**
 * A real unzip tool for checking ZIP archives labgate writes: Info-ZIP's `unzip` (Debian's `unzip`;
 * `scripts/test.sh` installs it when missing).
 */
import { spawnSync } from 'node:child_process'

/** What `unzip` said about `zip`: its exit code and output. */
export function unzip(args: string[]): { status: number | null; output: string } {
  const r = spawnSync('unzip', args, { encoding: 'utf8' })
  if (r.error) throw new Error(`unzip could not run (apt-get install unzip): ${r.error.message}`)
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

/** Extracts `zip` into `dir`; throws with unzip's output when it fails. */
export function unzipTo(zip: string, dir: string): void {
  const r = unzip(['-q', '-o', zip, '-d', dir])
  if (r.status !== 0) throw new Error(`unzip ${zip} failed (${r.status}): ${r.output}`)
}
