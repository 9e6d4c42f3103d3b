/**
 * A directory laid out like `/proc` for the host-limit tests: the kernel settings under `sys/`, counts in
 * use, and one process's `limits` and `fd/`. It stands in for `/proc` where a test must not change the
 * real kernel's settings; the values are those a Debian 12 host reports by default.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

export const DEBIAN_DEFAULTS: Record<string, number> = {
  'kernel.pty.max': 4096,
  'kernel.pty.nr': 3,
  'kernel.pid_max': 32768,
  'kernel.threads-max': 192735,
  'user.max_user_namespaces': 96367,
  'user.max_pid_namespaces': 96367,
  'user.max_net_namespaces': 96367,
  'user.max_mnt_namespaces': 96367,
  'fs.file-max': 2466239,
  'fs.nr_open': 1048576,
}

export class ProcStandIn {
  readonly root = mkdtempSync(join(tmpdir(), 'labgate-proc-'))

  constructor(
    settings: Record<string, number> = DEBIAN_DEFAULTS,
    o: {
      pid?: number
      openFiles?: [number, number]
      fds?: number
      threads?: number
      filesInUse?: number
      /** MemAvailable, KiB (no meminfo file without it) */
      memAvailableKiB?: number
    } = {},
  ) {
    for (const [name, value] of Object.entries(settings)) this.set(name, value)
    this.#write('sys/fs/file-nr', `${o.filesInUse ?? 900}\t0\t${settings['fs.file-max'] ?? 0}\n`)
    this.#write('loadavg', `0.10 0.20 0.30 2/${o.threads ?? 250} 12345\n`)
    const [soft, hard] = o.openFiles ?? [20000, 20000]
    this.#write(
      `${o.pid ?? 'self'}/limits`,
      'Limit                     Soft Limit           Hard Limit           Units     \n' +
        'Max processes             96367                96367                processes \n' +
        `Max open files            ${soft}                ${hard}                files     \n`,
    )
    for (let i = 0; i < (o.fds ?? 30); i++) this.#write(`${o.pid ?? 'self'}/fd/${i}`, '')
    if (o.memAvailableKiB !== undefined)
      this.#write('meminfo', `MemTotal:       24731400 kB\nMemAvailable:   ${o.memAvailableKiB} kB\n`)
  }

  /** Sets a kernel setting by its sysctl name. */
  set(name: string, value: number): void {
    this.#write(`sys/${name.split('.').join('/')}`, `${value}\n`)
  }

  /** A kernel setting's value as the file now holds it. */
  get(name: string): number {
    return Number(readFileSync(join(this.root, 'sys', ...name.split('.')), 'utf8'))
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true })
  }

  #write(path: string, text: string): void {
    const file = join(this.root, path)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, text)
  }
}
