/**
 * `labgate credentials --data <dir> [--rotate]`: tells what can be told about the Educates robot's
 * credentials (its username, client id, and whether each secret is generated or configured; generated
 * ones are kept only as hashes, so they cannot be shown again), or with `--rotate` makes new generated
 * ones, prints them once and revokes the tokens got with the old ones. Safe while `labgate serve` runs on
 * the same directory.
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { describeRobot, rotateRobotSecrets, type SecretOrigin } from '../../auth/provision.js'
import { systemClock } from '../../domain/clock.js'
import { badRequest, LabgateError } from '../../domain/errors.js'
import { openStore } from '../../store/open-store.js'

export const CREDENTIALS_USAGE = `  labgate credentials --data <dir> [--rotate]`

const ORIGIN: Record<SecretOrigin, string> = {
  generated: 'generated, kept only as a hash (--rotate makes a new one)',
  configured: 'configured in the portal definition',
  none: 'not set',
}

/**
 * Runs `credentials` with its arguments; resolves to the exit code. Throws bad_request without `--data`,
 * not_found when the directory holds no provisioned robot.
 */
export async function credentials(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { data: { type: 'string' }, rotate: { type: 'boolean' } },
  })
  if (!values.data) throw badRequest('credentials needs --data <dir> (the directory `labgate serve` uses)')
  const db = await openStore({ sqlite: join(values.data, 'labgate.db') })
  try {
    if (values.rotate) {
      const r = await rotateRobotSecrets(db.auth, systemClock)
      console.log(`robot user:   ${r.username}`)
      if (r.password !== null)
        console.log(`  password:   ${r.password}  (shown once: only its hash is stored)`)
      console.log(`robot client: ${r.clientId}`)
      if (r.clientSecret !== null)
        console.log(`  secret:     ${r.clientSecret}  (shown once: only its hash is stored)`)
      for (const c of r.configured)
        console.log(`the robot's ${c} is configured in the portal definition: change it there`)
      if (r.password !== null || r.clientSecret !== null)
        console.log('the old values no longer work; tokens got through the robot client are revoked')
      return 0
    }
    const robot = await describeRobot(db.auth)
    if (!robot)
      throw new LabgateError('not_found', 'no robot has been provisioned here yet: start labgate serve once')
    console.log(`robot user:   ${robot.username}`)
    console.log(`  password:   ${ORIGIN[robot.password]}`)
    console.log(`robot client: ${robot.clientId}`)
    console.log(`  secret:     ${ORIGIN[robot.clientSecret]}`)
    return 0
  } finally {
    await db.close()
  }
}
