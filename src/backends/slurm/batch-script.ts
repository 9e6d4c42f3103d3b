/** What the batch script of a sandbox's job runs. */
export interface BatchScriptInput {
  /** The agent's command line (absolute program first). */
  agentCommand: string[]
}

/** `value` as one word of a POSIX shell command line. Pure. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}

/**
 * The batch script of a sandbox's job: it replaces itself with the labgate agent, which reads its settings
 * from the job's environment (never from the script, which `scontrol` shows to anyone who may see the
 * job), starts the sandbox with bubblewrap on the compute node and connects back to labgate. Pure.
 */
export function batchScript(i: BatchScriptInput): string {
  return [
    '#!/bin/sh',
    '# A labgate sandbox: its agent runs the sandbox and connects back to labgate.',
    `exec ${i.agentCommand.map(shellWord).join(' ')}`,
    '',
  ].join('\n')
}
