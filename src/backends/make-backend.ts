import type { SandboxStorageSettings } from '../config/types.js'
import { LabgateError } from '../domain/errors.js'
import type { SandboxSpec, SessionBackend } from './backend.js'
import { FakeBackend } from './fake/index.js'
import { LocalBackend, checkLocalBackendPrerequisites } from './local/index.js'

/**
 * The backend a portal names: `local` (bubblewrap sandboxes under `<dataDir>/sessions`) or `fake`
 * (in-memory, for trying the API without sandboxes). Throws `backend_failed` with what to install when
 * the local backend cannot work on this machine. `sandbox` sizes each home, /tmp and /dev/shm and reserves
 * the host uids of sessions (when labgate runs as root; a home size it cannot enforce is logged once); logs
 * once, as a warning, which of `limits` (the configured sandbox limits) this machine cannot apply and what
 * to do.
 */
export async function makeBackend(
  name: 'local' | 'fake',
  o: {
    dataDir: string
    log: (m: string) => void
    sandbox?: SandboxStorageSettings
    limits?: SandboxSpec['limits']
  },
): Promise<SessionBackend> {
  if (name === 'fake') {
    o.log('warning: the fake backend is in use: sessions have no real sandboxes')
    return new FakeBackend()
  }
  const check = await checkLocalBackendPrerequisites()
  if (!check.ok) throw new LabgateError('backend_failed', check.message)
  const backend = new LocalBackend({
    dataDir: o.dataDir,
    log: o.log,
    ...(o.sandbox && {
      homeSize: o.sandbox.diskLimit,
      tmpSize: o.sandbox.tmpSize,
      sandboxUidRange: o.sandbox.uidRange,
    }),
  })
  const notice = o.limits ? await backend.limitsNotice(o.limits) : null
  if (notice) o.log(`warning: ${notice}`)
  return backend
}
