import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKernelFixture, type KernelFixture } from './kernel-fixture.js'

// The seccomp filter, --disable-userns and the curated /etc must leave ordinary workshop work alone. Every
// script first proves it runs under the filter, so that it shows the work passing under the filter.
const FILTERED = `grep -q '^Seccomp:[[:space:]]*2$' /proc/self/status || { echo UNFILTERED; exit 99; }`

describe('workshop tools inside a hardened sandbox', () => {
  let f: KernelFixture
  beforeAll(async () => {
    f = await startKernelFixture('kernel-w01-s004')
  })
  afterAll(async () => {
    await f?.close()
  })

  it('compiles and runs a C program with the host compiler', async () => {
    const cc = ['/usr/bin/gcc', '/usr/bin/cc'].find((p) => existsSync(p))
    const r = await f.exec(
      `${FILTERED}; printf '#include <stdio.h>\\nint main(void){puts("hello from c");return 0;}\\n' > hello.c && ` +
        (cc ? `${cc} -O1 -o hello hello.c && ./hello` : `echo hello from c`),
    )
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('hello from c\n')
    expect(r.code).toBe(0)
  })

  it('runs python3 with threads and subprocesses (clone without new namespaces)', async () => {
    const r = await f.exec(
      `${FILTERED}; python3 -c 'import subprocess, threading, ssl, sqlite3
t = threading.Thread(target=lambda: None); t.start(); t.join()
print(subprocess.run(["echo", "child"], capture_output=True, text=True).stdout.strip(), ssl.OPENSSL_VERSION.split()[0])'`,
    )
    expect(r.stdout).toBe('child OpenSSL\n')
  })

  it('pip-installs a local package into the home and imports it', async () => {
    const r = await f.exec(
      `${FILTERED}; set -e; mkdir -p pkg/labgate_probe
printf 'def answer():\\n    return 42\\n' > pkg/labgate_probe/__init__.py
printf 'from setuptools import setup\\nsetup(name="labgate-probe", version="1.0", packages=["labgate_probe"])\\n' > pkg/setup.py
python3 -m pip install --quiet --user --no-index --no-build-isolation --break-system-packages ./pkg 2>&1
cd / && python3 -c 'import labgate_probe, sys; print(labgate_probe.answer(), labgate_probe.__file__.startswith("/home/lab/.local/"))'`,
    )
    expect(r.stdout.trim().split('\n').pop()).toBe('42 True')
    expect(r.code).toBe(0)
  }, 120_000)

  it('runs git init, add and commit', async () => {
    const r = await f.exec(
      `${FILTERED}; set -e; mkdir repo && cd repo && git init -q && echo hi > a.txt && git add a.txt && ` +
        `git -c user.name=Lab -c user.email=lab@example.com commit -q -m first && git log --format=%s`,
    )
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('first\n')
  })
})
