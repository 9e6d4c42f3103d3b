import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { unzip, unzipTo } from '../../../test/lms/unzip.js'
import { crc32 } from './crc32.js'
import { writeZip } from './zip.js'

const dir = mkdtempSync(join(tmpdir(), 'labgate-zip-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const noise = randomBytes(4096)
const entries = [
  { name: 'imsmanifest.xml', data: '<manifest/>\n'.repeat(200) },
  { name: 'nested/dir/labgate.js', data: 'console.log("hi")\n' },
  { name: 'empty.txt', data: '' },
  { name: 'noise.bin', data: noise },
  { name: 'ünïcode €.txt', data: 'UTF-8 name\n' },
]

/** Writes the archive of `entries` to a file; returns its path. */
function archive(name: string, e = entries, modified?: Date): string {
  const path = join(dir, name)
  writeFileSync(path, writeZip(e, modified))
  return path
}

describe('crc32', () => {
  it('gives the check values of CRC-32/ISO-HDLC', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
    expect(crc32(Buffer.alloc(0))).toBe(0)
    expect(crc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339)
  })
})

describe('writeZip', () => {
  it('writes an archive that Info-ZIP unzip tests and extracts byte for byte', () => {
    const zip = archive('all.zip')
    const tested = unzip(['-t', zip])
    expect(tested.status, tested.output).toBe(0)
    expect(tested.output).toContain('No errors detected')
    unzipTo(zip, join(dir, 'out'))
    for (const e of entries)
      expect(readFileSync(join(dir, 'out', e.name))).toEqual(
        typeof e.data === 'string' ? Buffer.from(e.data) : e.data,
      )
  })

  it("passes Python's zipfile test too, which checks every CRC", () => {
    const r = spawnSync('python3', ['-m', 'zipfile', '-t', archive('py.zip')], { encoding: 'utf8' })
    expect(r.error).toBeUndefined()
    expect(`${r.stdout}${r.stderr}`).toContain('Done testing')
    expect(r.status).toBe(0)
  })

  it('deflates what shrinks, stores what does not, and dates every file', () => {
    const zip = archive('methods.zip', entries, new Date(Date.UTC(2024, 4, 17, 13, 45, 30)))
    const listed = unzip(['-Z', '-l', zip]).output
    expect(listed).toMatch(/defX .*imsmanifest\.xml/)
    expect(listed).toMatch(/stor .*noise\.bin/)
    expect(listed).toMatch(/24-May-17 13:45 imsmanifest\.xml/)
  })

  it('writes the same bytes for the same files and time', () => {
    expect(writeZip(entries).equals(writeZip(entries))).toBe(true)
  })

  it('refuses names that would land outside the archive folder, or twice', () => {
    for (const name of ['', '/etc/passwd', '../x', 'a/../../x', 'a//b', 'a\\b', './a', 'dir/'])
      expect(() => writeZip([{ name, data: 'x' }]), name).toThrow(/not a relative path/)
    expect(() =>
      writeZip([
        { name: 'a', data: '1' },
        { name: 'a', data: '2' },
      ]),
    ).toThrow(/twice/)
  })
})
