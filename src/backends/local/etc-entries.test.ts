import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { etcArgs, hostEtcEntries } from './etc-entries.js'

describe('hostEtcEntries', () => {
  const etc = mkdtempSync(join(tmpdir(), 'labgate-etc-'))
  afterAll(() => rmSync(etc, { recursive: true, force: true }))
  mkdirSync(join(etc, 'ssl'))
  mkdirSync(join(etc, 'python3.11'))
  writeFileSync(join(etc, 'hosts'), '127.0.0.1 localhost\n')
  writeFileSync(join(etc, 'shadow'), 'root:x:...\n')
  writeFileSync(join(etc, 'labgate.yaml'), 'secret: 1\n')
  symlinkSync('/usr/share/zoneinfo/Etc/UTC', join(etc, 'localtime'))
  symlinkSync('/nowhere/at/all', join(etc, 'resolv.conf'))

  it('keeps the listed entries that exist, and nothing else', () => {
    const entries = hostEtcEntries(etc, ['ssl', 'hosts', 'python3*', 'localtime', 'resolv.conf', 'missing'])
    expect(entries.map((e) => e.path)).toEqual([
      '/etc/ssl',
      '/etc/hosts',
      '/etc/python3.11',
      '/etc/localtime',
    ])
    expect(entries).toContainEqual({ path: '/etc/ssl', source: join(etc, 'ssl') })
    expect(entries).toContainEqual({ path: '/etc/localtime', symlink: '/usr/share/zoneinfo/Etc/UTC' })
  })

  it('never lists secrets by default', () => {
    const paths = hostEtcEntries(etc).map((e) => e.path)
    expect(paths).not.toContain('/etc/shadow')
    expect(paths).not.toContain('/etc/labgate.yaml')
    expect(paths).toContain('/etc/hosts')
  })

  it('becomes read-only binds and symlinks', () => {
    expect(
      etcArgs([
        { path: '/etc/ssl', source: '/etc/ssl' },
        { path: '/etc/mtab', symlink: '/proc/mounts' },
      ]),
    ).toEqual(['--ro-bind', '/etc/ssl', '/etc/ssl', '--symlink', '/proc/mounts', '/etc/mtab'])
  })
})
