/**
 * `labgate lti-keys (--data <dir> | --database <url>) [--rotate]`: lists the LTI tool's signing keys (the JWKS LMSs verify
 * Deep Linking answers and service-token assertions with), and with `--rotate` makes a new key the active
 * one. The retired key stays published for a day, so nothing it signed stops verifying. Safe while
 * `labgate serve` runs on the same directory: the server reads the keys from the database on every use.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { systemClock } from '../../domain/clock.js'
import { badRequest, notFound } from '../../domain/errors.js'
import { toolKeys } from '../../lms/lti13/tool-keys.js'
import { openStore } from '../../store/open-store.js'
import { parseDatabaseUrl } from '../database-url.js'

export const LTI_KEYS_USAGE = `  labgate lti-keys (--data <dir> | --database <postgres://…>) [--rotate]`

/** Runs `lti-keys`; resolves to the exit code. Never creates a data directory or a server key. */
export async function ltiKeys(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { data: { type: 'string' }, database: { type: 'string' }, rotate: { type: 'boolean' } },
  })
  const database = values.database ?? (process.env.LABGATE_DATABASE_URL || undefined)
  let db
  if (database) db = await openStore({ postgres: parseDatabaseUrl(database), maxConnections: 2 })
  else {
    if (!values.data)
      throw badRequest('lti-keys needs --data <dir> (the directory `labgate serve` uses) or --database <url>')
    const file = join(values.data, 'labgate.db')
    if (!existsSync(file))
      throw notFound(`${values.data} holds no labgate database: labgate serve has not run with this --data`)
    db = await openStore({ sqlite: file })
  }
  try {
    const secret = await db.store.getSetting('server.key')
    if (!secret) throw notFound(`${values.data} has no server key yet: start labgate serve on it once`)
    const keys = toolKeys({ store: db.store, clock: systemClock, secret: Buffer.from(secret, 'base64') })
    if (values.rotate) console.log(`new active key ${await keys.rotateSigningKey()}`)
    const { keys: published } = await keys.jwks()
    published.forEach((k, i) => console.log(`${k.kid}  ${i === 0 ? 'active' : 'retired, still published'}`))
    return 0
  } finally {
    await db.close()
  }
}
