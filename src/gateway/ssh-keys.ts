import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto'
import { link, lstat, mkdir, open, readFile, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { isSafeName } from '../domain/index.js'

const generateRsa = promisify(generateKeyPair)

/** A session's SSH key pair, as the config endpoints hand it out. */
export interface SshKeyPair {
  /** PEM, PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`), as `id_rsa`. */
  privateKey: string
  /** One OpenSSH line, `ssh-rsa AAAA… <session>`, as `id_rsa.pub`. */
  publicKey: string
}

/** Options of {@link SessionSshKeys}. */
export interface SessionSshKeysOptions {
  /**
   * The directory that holds a session's key, e.g. `<dataDir>/sessions/<session>/ssh`. It must be outside
   * anything the sandbox can write or see. Created 0700 (its parent 0711, when missing).
   */
  keysDir: (session: string) => string
  /** RSA modulus length; default 3072 (about 0.35 s to generate here, off the event loop). */
  modulusLength?: number
}

/**
 * One RSA key pair per session, generated on first use and kept in `keysDir(session)/id_rsa` (mode 0600)
 * so the same pair comes back every time, across restarts. Two concurrent first requests share one
 * generation; two processes racing on the same directory end up with the first one's key (the file is
 * published with an atomic link that never replaces an existing key).
 */
export class SessionSshKeys {
  readonly #o: SessionSshKeysOptions
  readonly #inFlight = new Map<string, Promise<SshKeyPair>>()

  constructor(o: SessionSshKeysOptions) {
    this.#o = o
  }

  /**
   * The session's key pair, generating and storing it the first time. Throws for a name that is not a
   * safe session name, and when the stored key cannot be read or parsed.
   */
  get(session: string): Promise<SshKeyPair> {
    if (!isSafeName(session))
      return Promise.reject(new Error(`invalid session name ${JSON.stringify(session)}`))
    const running = this.#inFlight.get(session)
    if (running) return running
    const p = this.#load(session).finally(() => this.#inFlight.delete(session))
    this.#inFlight.set(session, p)
    return p
  }

  async #load(session: string): Promise<SshKeyPair> {
    const dir = this.#o.keysDir(session)
    const file = join(dir, 'id_rsa')
    let pem = await readIfExists(file)
    if (pem === null) {
      await ensurePrivateDir(dir)
      const { privateKey } = await generateRsa('rsa', {
        modulusLength: this.#o.modulusLength ?? 3072,
        publicExponent: 0x10001,
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
        publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
      })
      pem = await publish(file, privateKey)
    }
    return { privateKey: pem, publicKey: openSshPublicKey(createPrivateKey(pem), session) }
  }
}

/**
 * The OpenSSH public key line of an RSA key (private or public): `ssh-rsa <base64 blob> <comment>`, where
 * the blob is the SSH wire encoding (RFC 4253 §6.6) of the string "ssh-rsa", the mpint e and the mpint n.
 */
export function openSshPublicKey(key: KeyObject, comment: string): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' })
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new Error('not an RSA key')
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    sshString(mpint(Buffer.from(jwk.e, 'base64url'))),
    sshString(mpint(Buffer.from(jwk.n, 'base64url'))),
  ])
  return `ssh-rsa ${blob.toString('base64')} ${comment}`
}

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  return Buffer.concat([len, data])
}

/** An unsigned big-endian integer as an SSH mpint body: no leading zeros, one 0x00 if the top bit is set. */
function mpint(unsigned: Buffer): Buffer {
  let i = 0
  while (i < unsigned.length && unsigned[i] === 0) i++
  const trimmed = unsigned.subarray(i)
  return trimmed.length > 0 && trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
}

async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true, mode: 0o711 })
  await mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e
  })
  const st = await lstat(dir)
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`)
}

/** Writes `pem` to `file` unless a key is already there; returns the key that is there afterwards. */
async function publish(file: string, pem: string): Promise<string> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
  const fh = await open(tmp, 'wx', 0o600)
  try {
    await fh.writeFile(pem)
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await link(tmp, file)
    return pem
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    return readFile(file, 'utf8')
  } finally {
    await unlink(tmp).catch(() => undefined)
  }
}
