import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hostEtcEntries } from './etc-entries.js'
import { prepareEtcView } from './etc-view.js'

describe('prepareEtcView', () => {
  let dir: string
  let etc: string
  let root: string
  const entries = () => hostEtcEntries(etc, ['ssl', 'hosts', 'resolv.conf', 'localtime', 'profile', 'vim'])
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'labgate-etc-view-'))
    etc = join(dir, 'etc')
    root = join(dir, 'views')
    mkdirSync(join(etc, 'ssl', 'certs'), { recursive: true })
    mkdirSync(join(etc, 'ssl', 'private'), { mode: 0o700 })
    chmodSync(join(etc, 'ssl', 'private'), 0o700)
    writeFileSync(join(etc, 'ssl', 'certs', 'ca.pem'), 'CERT\n', { mode: 0o644 })
    symlinkSync('/usr/share/ca-certificates/x.crt', join(etc, 'ssl', 'certs', 'x.pem'))
    writeFileSync(join(etc, 'ssl', 'private', 'key.pem'), 'KEY\n', { mode: 0o600 })
    writeFileSync(join(etc, 'ssl', 'openssl.cnf.bak'), 'secret\n', { mode: 0o640 })
    chmodSync(join(etc, 'ssl', 'openssl.cnf.bak'), 0o640)
    writeFileSync(join(etc, 'hosts'), '127.0.0.1 localhost\n', { mode: 0o644 })
    writeFileSync(join(etc, 'resolv.conf'), 'nameserver 10.0.0.1\n', { mode: 0o644 })
    symlinkSync('/usr/share/zoneinfo/Etc/UTC', join(etc, 'localtime'))
    writeFileSync(join(dir, 'profile.real'), 'PATH=/usr/bin\n', { mode: 0o644 })
    symlinkSync(join(dir, 'profile.real'), join(etc, 'profile'))
    writeFileSync(join(dir, 'passwd'), 'lab:x:1000:1000::/home/lab:/bin/bash\n', { mode: 0o644 })
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('copies what others can read, keeps links as links, and leaves private files out', async () => {
    const view = await prepareEtcView(root, entries(), [{ name: 'passwd', source: join(dir, 'passwd') }])
    expect(readFileSync(join(view.dir, 'ssl', 'certs', 'ca.pem'), 'utf8')).toBe('CERT\n')
    expect(readlinkSync(join(view.dir, 'ssl', 'certs', 'x.pem'))).toBe('/usr/share/ca-certificates/x.crt')
    expect(readlinkSync(join(view.dir, 'localtime'))).toBe('/usr/share/zoneinfo/Etc/UTC')
    // A top-level link elsewhere on the host is followed, as a bind of it would be.
    expect(lstatSync(join(view.dir, 'profile')).isFile()).toBe(true)
    expect(readFileSync(join(view.dir, 'profile'), 'utf8')).toBe('PATH=/usr/bin\n')
    expect(existsSync(join(view.dir, 'ssl', 'private'))).toBe(false)
    expect(existsSync(join(view.dir, 'ssl', 'openssl.cnf.bak'))).toBe(false)
    expect(readFileSync(join(view.dir, 'passwd'), 'utf8')).toMatch(/^lab:x:1000/)
    expect(lstatSync(join(view.dir, 'ssl', 'certs', 'ca.pem')).mode & 0o777).toBe(0o644)
    expect(lstatSync(view.dir).mode & 0o777).toBe(0o755)
  })

  it('binds resolv.conf and hosts from the host over empty placeholders', async () => {
    const view = await prepareEtcView(root, entries())
    expect(view.live.map((e) => e.path).sort()).toEqual(['/etc/hosts', '/etc/resolv.conf'])
    expect(view.live.every((e) => 'source' in e && e.source.startsWith(etc))).toBe(true)
    expect(readFileSync(join(view.dir, 'hosts'), 'utf8')).toBe('')
    expect(readFileSync(join(view.dir, 'resolv.conf'), 'utf8')).toBe('')
  })

  it('reuses the view while the host is unchanged, and makes a new one when it changes', async () => {
    const first = await prepareEtcView(root, entries())
    expect((await prepareEtcView(root, entries())).dir).toBe(first.dir)
    writeFileSync(join(etc, 'ssl', 'certs', 'new.pem'), 'NEW\n', { mode: 0o644 })
    const second = await prepareEtcView(root, entries())
    expect(second.dir).not.toBe(first.dir)
    expect(readFileSync(join(second.dir, 'ssl', 'certs', 'new.pem'), 'utf8')).toBe('NEW\n')
    // The first stays for the sandboxes that were given it.
    expect(existsSync(join(first.dir, 'ssl', 'certs', 'ca.pem'))).toBe(true)
    expect(readdirSync(root).filter((n) => n.startsWith('.'))).toEqual([])
  })

  it('makes no new view when labgate rewrites its own files unchanged', async () => {
    const passwd = [{ name: 'passwd', source: join(dir, 'passwd') }]
    const first = await prepareEtcView(root, entries(), passwd)
    rmSync(join(dir, 'passwd'))
    writeFileSync(join(dir, 'passwd'), 'lab:x:1000:1000::/home/lab:/bin/bash\n', { mode: 0o644 })
    expect((await prepareEtcView(root, entries(), passwd)).dir).toBe(first.dir)
    writeFileSync(join(dir, 'passwd'), 'lab:x:1001:1001::/home/lab:/bin/bash\n', { mode: 0o644 })
    expect((await prepareEtcView(root, entries(), passwd)).dir).not.toBe(first.dir)
  })

  it('keeps the newest ten views', async () => {
    const made: string[] = []
    for (let i = 0; i < 12; i++) {
      writeFileSync(join(etc, 'ssl', 'certs', 'ca.pem'), `CERT ${i}\n`, { mode: 0o644 })
      const view = await prepareEtcView(root, entries())
      // Distinct ages, oldest first, whatever the clock's resolution.
      utimesSync(view.dir, 1_000 + i, 1_000 + i)
      made.push(view.dir)
    }
    writeFileSync(join(etc, 'ssl', 'certs', 'ca.pem'), 'CERT last\n', { mode: 0o644 })
    const last = await prepareEtcView(root, entries())
    const kept = readdirSync(root).map((n) => join(root, n))
    expect(kept).toHaveLength(10)
    expect(kept).toContain(last.dir)
    expect(kept).not.toContain(made[0])
    expect(kept).toContain(made[11])
  })
})
