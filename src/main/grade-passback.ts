import type { SessionRunner } from '../broker/session-runner.js'
import type { LmsRegistration } from '../config/types.js'
import type { Clock } from '../domain/clock.js'
import { postGrade } from '../lms/grades/post-grade.js'
import { PassbackWorker, type Timers } from '../lms/grades/passback-worker.js'
import { ServiceTokens } from '../lms/lti13/service-token.js'
import { toolKeys, toolSigner } from '../lms/lti13/tool-keys.js'
import type { OpenStore } from '../store/open-store.js'

/**
 * Wires grade passback: the service tokens (signed with the LTI tool's key ring), the passback worker
 * over the store, and the runner's finish hook that starts a passback when a learner finishes a session
 * launched from an LMS. `start` picks up the passbacks a previous run left pending; `stop` waits for the
 * attempts under way (call it before the store closes).
 */
export function setUpGradePassback(o: {
  db: OpenStore
  runner: SessionRunner
  registrations: () => readonly LmsRegistration[]
  clock: Clock
  /** The server key, under which the tool's private keys are kept. */
  key: Uint8Array
  log: (msg: string) => void
  timers?: Timers
}): { tokens: ServiceTokens; worker: PassbackWorker; start(): Promise<void>; stop(): Promise<void> } {
  const tokens = new ServiceTokens({
    sign: toolSigner(toolKeys({ store: o.db.store, clock: o.clock, secret: o.key })),
    clock: o.clock,
  })
  const worker = new PassbackWorker({
    grades: o.db.grades,
    audit: o.db.audit,
    clock: o.clock,
    post: (r) => postGrade({ registrations: o.registrations, tokens, clock: o.clock }, r),
    log: o.log,
    ...(o.timers ? { timers: o.timers } : {}),
  })
  o.runner.onFinished(async (s) => {
    await worker.finished(s.name)
  })
  return { tokens, worker, start: () => worker.start(), stop: () => worker.stop() }
}
