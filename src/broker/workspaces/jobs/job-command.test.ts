import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { jobCommand, shellQuote, substituteVars } from './job-command.js'

const vars = { port: 8888, baseUrl: '/passthrough/7/', token: 'tok' }

describe("a job's command", () => {
  it('substitutes {port}, {base_url} and {token}, and leaves other braces', () => {
    expect(substituteVars('--port={port} --base={base_url} t={token} {other}', vars)).toBe(
      '--port=8888 --base=/passthrough/7/ t=tok {other}',
    )
    expect(substituteVars('{port}', { ...vars, port: null })).toBe('')
  })

  it('quotes every word so that the shell sees it exactly', () => {
    const word = `it's $HOME; \`x\` "y" \\ *`
    expect(execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(word)}`]).toString()).toBe(word)
  })

  it('runs the program in the workspace with its output and exit status under .jobs/<id>', () => {
    const dir = mkdtempSync(join(tmpdir(), 'labgate-job-cmd-'))
    const argv = ['/bin/sh', '-c', 'echo "port {port} $0"; echo oops >&2; exit 3', "a'b"]
    const [file, ...args] = jobCommand(7, argv, vars)
    execFileSync(file!, args, { cwd: dir })
    expect(readFileSync(join(dir, '.jobs/7/output.log'), 'utf8')).toBe("port 8888 a'b\noops\n")
    expect(readFileSync(join(dir, '.jobs/7/exit-status'), 'utf8')).toBe('3\n')
  })
})
