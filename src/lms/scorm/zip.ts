/**
 * A small ZIP writer (PKWARE APPNOTE 6.3): one archive in memory from named files, each deflated
 * (`node:zlib`) when that makes it smaller and stored otherwise, with UTF-8 names and no ZIP64 (so at most
 * 65535 files and 4 GiB). The same files and time always give the same bytes.
 */
import { deflateRawSync } from 'node:zlib'
import { crc32 } from './crc32.js'

/** A file of the archive: its path inside it (`/`-separated, relative) and its content. */
export interface ZipEntry {
  name: string
  data: Uint8Array | string
}

const STORED = 0
const DEFLATED = 8
/** Version 2.0: deflate; made by Unix (3), so that the mode in the external attributes counts. */
const VERSION_NEEDED = 20
const VERSION_MADE_BY = (3 << 8) | 20
/** Bit 11: the name is UTF-8. */
const FLAG_UTF8 = 0x0800
/** Bits 1–2 of a deflated file: 01, maximum compression (level 9). */
const FLAG_DEFLATE_MAX = 0x0002
/** A regular file, rw-r--r--, in the high half of the external attributes. */
const UNIX_FILE_MODE = (0o100644 << 16) >>> 0
const MAX_U16 = 0xffff
const MAX_U32 = 0xffffffff

/** `at` as MS-DOS date and time (UTC, two-second steps, clamped to 1980–2107). */
function dosDateTime(at: Date): { date: number; time: number } {
  const year = Math.min(Math.max(at.getUTCFullYear(), 1980), 2107)
  if (year !== at.getUTCFullYear()) return { date: year === 1980 ? 0x21 : 0xff9f, time: 0 }
  return {
    date: ((year - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1),
  }
}

/** Throws when `name` is not a relative `/`-separated path without `.` or `..` segments. */
function checkName(name: string): void {
  const segments = name.split('/')
  if (
    name === '' ||
    name.includes('\\') ||
    name.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  )
    throw new Error(`zip: "${name}" is not a relative path of files (no leading "/", "." or ".." parts)`)
}

/**
 * The ZIP archive of `entries`, in their order, every one dated `modified` (default 1980-01-01, the
 * earliest ZIP date, for reproducible archives). Throws on an unsafe or repeated name, or past the
 * limits of a ZIP without ZIP64.
 */
export function writeZip(entries: ZipEntry[], modified: Date = new Date(Date.UTC(1980, 0, 1))): Buffer {
  if (entries.length > MAX_U16) throw new Error(`zip: ${entries.length} files, more than ${MAX_U16}`)
  const { date, time } = dosDateTime(modified)
  const seen = new Set<string>()
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    checkName(entry.name)
    if (seen.has(entry.name)) throw new Error(`zip: "${entry.name}" is there twice`)
    seen.add(entry.name)
    const name = Buffer.from(entry.name, 'utf8')
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data
    const deflated = deflateRawSync(data, { level: 9 })
    const method = deflated.length < data.length ? DEFLATED : STORED
    const body = method === DEFLATED ? deflated : data
    if (data.length > MAX_U32 || offset + 30 + name.length + body.length > MAX_U32)
      throw new Error('zip: the archive would pass 4 GiB, which needs ZIP64')
    const crc = crc32(data)
    const flags = method === DEFLATED ? FLAG_UTF8 | FLAG_DEFLATE_MAX : FLAG_UTF8

    const local = Buffer.alloc(30 + name.length)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(VERSION_NEEDED, 4)
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt16LE(time, 10)
    local.writeUInt16LE(date, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    name.copy(local, 30)

    const central = Buffer.alloc(46 + name.length)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(VERSION_MADE_BY, 4)
    central.writeUInt16LE(VERSION_NEEDED, 6)
    central.writeUInt16LE(flags, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt16LE(time, 12)
    central.writeUInt16LE(date, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(name.length, 28)
    // extra field, comment, disk number and internal attributes: all 0 (Buffer.alloc zeroes them)
    central.writeUInt32LE(UNIX_FILE_MODE, 38)
    central.writeUInt32LE(offset, 42)
    name.copy(central, 46)

    locals.push(local, Buffer.from(body.buffer, body.byteOffset, body.byteLength))
    centrals.push(central)
    offset += local.length + body.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}
