/**
 * A job's main program as its sandbox runs it: the job type's command, with `{port}`, `{base_url}` and
 * `{token}` substituted, wrapped so that its output goes to `.jobs/<id>/output.log` in the workspace and
 * its exit status to `.jobs/<id>/exit-status`. Pure.
 */

/** The values a job type's command may name as `{port}`, `{base_url}` and `{token}`. */
export interface JobVars {
  port: number | null
  baseUrl: string
  token: string
}

/** `s` quoted for a POSIX shell: a single-quoted word that stands for `s` exactly. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

/** `arg` with each `{port}`, `{base_url}` and `{token}` replaced (an absent port by the empty string). */
export function substituteVars(arg: string, v: JobVars): string {
  return arg.replace(/\{(port|base_url|token)\}/g, (_, name: string) =>
    name === 'port' ? String(v.port ?? '') : name === 'base_url' ? v.baseUrl : v.token,
  )
}

/** The workspace-relative directory of job `jobId`'s output and exit status. */
export const jobFilesDir = (jobId: number) => `.jobs/${jobId}`

/**
 * The sandbox command of job `jobId`: `/bin/sh -c` running `argv` (substituted and quoted word by word)
 * with stdin from /dev/null, stdout and stderr to `.jobs/<id>/output.log`, then writing its exit status
 * to `.jobs/<id>/exit-status` (written under another name and renamed, so a reader sees all of it or none).
 */
export function jobCommand(jobId: number, argv: readonly string[], v: JobVars): string[] {
  const dir = jobFilesDir(jobId)
  const program = argv.map((a) => shellQuote(substituteVars(a, v))).join(' ')
  return [
    '/bin/sh',
    '-c',
    `mkdir -p ${dir} || exit 1; ${program} </dev/null >${dir}/output.log 2>&1; ` +
      `echo $? >${dir}/exit-status.tmp && mv -f ${dir}/exit-status.tmp ${dir}/exit-status`,
  ]
}
