import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKernelFixture, type KernelFixture } from './kernel-fixture.js'

// World-readable files under the host's /etc (service configs, units with secrets, labgate's own portal
// definition kept there) must not reach a learner; what a shell, TLS and DNS need must.
const PLANTED = '/etc/labgate-test-secret.conf'
const PLANTED_YAML = '/etc/labgate-test-secret.yaml'

describe("the host's /etc inside a sandbox", () => {
  let f: KernelFixture
  beforeAll(async () => {
    writeFileSync(PLANTED, 'robot_password=HOST-SECRET\n', { mode: 0o644 })
    writeFileSync(PLANTED_YAML, 'clientSecret: HOST-SECRET\n', { mode: 0o644 })
    f = await startKernelFixture('kernel-w01-s003')
  })
  afterAll(async () => {
    await f?.close()
    rmSync(PLANTED, { force: true })
    rmSync(PLANTED_YAML, { force: true })
  })

  it('does not show a file planted in the host /etc', async () => {
    const r = await f.exec(
      `cat ${PLANTED} ${PLANTED_YAML}; grep -rIl HOST-SECRET /etc 2>/dev/null; echo done`,
    )
    expect(r.stdout).toBe('done\n')
    expect(r.stderr).toMatch(/labgate-test-secret.conf: No such file or directory/)
    expect((await f.exec('ls -A /etc')).stdout).not.toMatch(/labgate-test-secret/)
  })

  it('shows only curated entries: no shadow, no service configuration', async () => {
    const listed = (await f.exec('ls -A /etc')).stdout.split('\n').filter(Boolean)
    for (const name of [
      'shadow',
      'gshadow',
      'fstab',
      'crontab',
      'sudoers',
      'systemd',
      'machine-id',
      'hostname',
    ]) {
      expect(listed).not.toContain(name)
    }
    expect(listed).toEqual(expect.arrayContaining(['passwd', 'group', 'ssl']))
  })

  it('is one prepared copy bound read-only, with resolv.conf and hosts bound live over it', async () => {
    const mounts = (await f.exec('cut -d" " -f5 /proc/self/mountinfo')).stdout.split('\n')
    const underEtc = mounts.filter((m) => m === '/etc' || m.startsWith('/etc/')).sort()
    const live = ['/etc/hosts', '/etc/resolv.conf'].filter((p) => existsSync(p))
    expect(underEtc).toEqual(['/etc', ...live])
    // What only root may read on the host is not even copied.
    const r = await f.exec('ls -d /etc/ssl/private 2>&1; echo done')
    expect(r.stdout).toMatch(/No such file or directory\ndone\n$/)
  })

  it('keeps what a shell, TLS and name resolution need, read-only', async () => {
    const checks = [
      'test -d /etc/ssl/certs && ls /etc/ssl/certs | grep -q . && echo certs',
      existsSync('/etc/resolv.conf') ? 'cat /etc/resolv.conf >/dev/null && echo resolv' : 'echo resolv',
      'getent hosts localhost >/dev/null && echo hosts',
      'test "$(id -un)" = lab && echo passwd',
      'touch /etc/new 2>/dev/null || echo ro',
    ]
    const r = await f.exec(checks.join('; '))
    expect(r.stdout).toBe('certs\nresolv\nhosts\npasswd\nro\n')
  })
})
