/**
 * Secret handling: random token values, their hashes, password hashing and constant-time comparison.
 * Generated tokens are high-entropy, so a fast hash (sha256) is enough to store them; anything a human
 * may choose (passwords, configured client secrets) gets scrypt.
 */
import {
  createHash,
  randomBytes,
  randomFillSync,
  scrypt,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto'

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, saltBytes: 16, keyBytes: 32 }
/** Upper bounds accepted when verifying, so a tampered stored hash cannot make us burn memory or CPU. */
const SCRYPT_LIMITS = { N: 2 ** 20, r: 32, p: 16, keyBytes: 128 }

// Random bytes are drawn from the system in batches (as Node does for randomUUID): one system call costs
// more than the token it makes, and tokens are made on every allocation.
const POOL_BYTES = 4096
const pool = Buffer.alloc(POOL_BYTES)
let poolUsed = POOL_BYTES

/**
 * A new random secret of `bytes` random bytes, base64url-encoded (32 bytes → 43 characters).
 * Throws RangeError below 16 bytes: every secret labgate issues carries at least 128 bits.
 */
export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16) throw new RangeError('a token needs at least 16 random bytes')
  if (bytes > POOL_BYTES) return randomBytes(bytes).toString('base64url')
  if (poolUsed + bytes > POOL_BYTES) {
    randomFillSync(pool)
    poolUsed = 0
  }
  const token = pool.toString('base64url', poolUsed, poolUsed + bytes)
  pool.fill(0, poolUsed, poolUsed + bytes) // each random byte is handed out once and not kept
  poolUsed += bytes
  return token
}

/** The storage form of a token value: sha256, lower-case hex. Deterministic, so it is the lookup key. */
export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex')
}

/**
 * Compares two strings in time independent of where they differ and of their lengths (both sides are
 * hashed first). Use for every comparison of a secret with a presented value.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest()
  const db = createHash('sha256').update(b, 'utf8').digest()
  return timingSafeEqual(da, db)
}

function scryptAsync(pw: string, salt: Buffer, keyBytes: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(pw.normalize('NFKC'), salt, keyBytes, opts, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

const maxmem = (N: number, r: number, p: number) => 128 * N * r * (p + 1) + 1024 * 1024

/**
 * Hashes a password (or a configured client secret) with scrypt (N=2^15, r=8, p=1, random 16-byte salt),
 * in the self-describing format `scrypt$N$r$p$salt$hash` (salt and hash base64url). Never throws for any
 * string input; runs on the libuv thread pool (~50–100 ms).
 */
export async function hashPassword(pw: string): Promise<string> {
  const { N, r, p } = SCRYPT
  const salt = randomBytes(SCRYPT.saltBytes)
  const key = await scryptAsync(pw, salt, SCRYPT.keyBytes, { N, r, p, maxmem: maxmem(N, r, p) })
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

let dummyHash: Promise<string> | undefined

/**
 * True when `pw` matches `stored` (a `hashPassword` result), compared with `timingSafeEqual`. A malformed
 * or out-of-bounds `stored` value gives false, never an exception. `stored = null` (no such account, or no
 * password set) verifies against a dummy hash and gives false, so the time taken does not reveal whether
 * the account exists.
 */
export async function verifyPassword(pw: string, stored: string | null): Promise<boolean> {
  if (stored === null) {
    dummyHash ??= hashPassword(randomToken())
    await verifyPassword(pw, await dummyHash)
    return false
  }
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^\d+$/.test(s) ? Number(s) : NaN)) as [
    number,
    number,
    number,
  ]
  const salt = Buffer.from(parts[4] ?? '', 'base64url')
  const expected = Buffer.from(parts[5] ?? '', 'base64url')
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0
  if (
    !powerOfTwo ||
    N > SCRYPT_LIMITS.N ||
    !(r >= 1 && r <= SCRYPT_LIMITS.r) ||
    !(p >= 1 && p <= SCRYPT_LIMITS.p)
  )
    return false
  if (salt.length < 8 || expected.length < 16 || expected.length > SCRYPT_LIMITS.keyBytes) return false
  const key = await scryptAsync(pw, salt, expected.length, { N, r, p, maxmem: maxmem(N, r, p) })
  return timingSafeEqual(key, expected)
}
