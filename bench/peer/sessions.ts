/** Opening and closing one JupyterHub session the way a front end does, over the REST API. */
import { now } from '../stats.js'
import { ready, stopped, type HubApi, type HubUser } from './hub-api.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** How long the steps of one session's start took, in ms from sending the user's creation. */
export interface SessionTiming {
  /** POST /users/<name> answered. */
  created: number
  /** POST /users/<name>/server answered (the hub holds it until the server is up, at most 10 s). */
  startAnswered: number
  startStatus: number
  /** The first GET /users/<name> that showed the server ready. */
  ready: number
  polls: number
}

/**
 * Creates the user, starts their server and polls their record (at most every `pollMs`) until the server is
 * ready. Timed from sending the creation to the arrival of the first answer that shows it ready. Throws
 * when it is not ready within `timeoutMs`, or the spawn failed (the server is then neither pending nor up).
 */
export async function openSession(
  api: HubApi,
  name: string,
  pollMs: number,
  timeoutMs: number,
): Promise<SessionTiming> {
  const t0 = now()
  await api.createUser(name)
  const created = now() - t0
  const startStatus = await api.startServer(name)
  const startAnswered = now() - t0
  let polls = 0
  for (;;) {
    const tp = now()
    const u: HubUser = await api.user(name)
    polls++
    if (ready(u)) return { created, startAnswered, startStatus, ready: now() - t0, polls }
    if (stopped(u)) throw new Error(`${name}: the server stopped while starting (spawn failed)`)
    if (now() - t0 > timeoutMs) throw new Error(`${name}: not ready after ${timeoutMs} ms`)
    const wait = pollMs - (now() - tp)
    if (wait > 0) await sleep(wait)
  }
}

/** Stops the user's server, waits (bounded) until it has stopped, and deletes the user. Untimed. */
export async function closeSession(api: HubApi, name: string, timeoutMs = 60_000): Promise<void> {
  await api.stopServer(name)
  const end = now() + timeoutMs
  while (now() < end) {
    if (stopped(await api.user(name))) break
    await sleep(50)
  }
  await api.deleteUser(name)
}
