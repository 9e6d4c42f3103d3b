import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readExitStatus } from './job-files.js'

describe("a job's exit status", () => {
  it('is read from .jobs/<id>/exit-status, and is null when absent or not a small number', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'labgate-job-files-'))
    expect(await readExitStatus(ws, 1)).toBeNull()
    mkdirSync(join(ws, '.jobs/1'), { recursive: true })
    writeFileSync(join(ws, '.jobs/1/exit-status'), '2\n')
    expect(await readExitStatus(ws, 1)).toBe(2)
    writeFileSync(join(ws, '.jobs/1/exit-status'), 'root:x:0:0\n')
    expect(await readExitStatus(ws, 1)).toBeNull()
  })

  it('follows no symlink the job put there', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'labgate-job-files-'))
    const outside = mkdtempSync(join(tmpdir(), 'labgate-outside-'))
    mkdirSync(join(outside, '2'))
    writeFileSync(join(outside, '2/exit-status'), '1\n')
    writeFileSync(join(outside, 'status'), '1\n')
    symlinkSync(outside, join(ws, '.jobs'))
    expect(await readExitStatus(ws, 2)).toBeNull()
    const ws2 = mkdtempSync(join(tmpdir(), 'labgate-job-files-'))
    mkdirSync(join(ws2, '.jobs/2'), { recursive: true })
    symlinkSync(join(outside, 'status'), join(ws2, '.jobs/2/exit-status'))
    expect(await readExitStatus(ws2, 2)).toBeNull()
  })
})
