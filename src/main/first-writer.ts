import { LabgateError } from '../domain/errors.js'

/**
 * Runs `provision`, a start-up step that creates what is missing (the robot, the first admin, the
 * portal's client), again when it lost a race with another replica starting on the same database at the
 * same moment (a `conflict`: the other committed the same row first). The next attempt finds that row.
 */
export async function asFirstWriterOrReader<T>(provision: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await provision()
    } catch (e) {
      if (!(e instanceof LabgateError && e.code === 'conflict') || i >= attempts) throw e
      await new Promise((r) => setTimeout(r, 20 * i))
    }
  }
}
