import { LabgateError } from '../domain/errors.js'
import type { SandboxSpec, SessionBackend } from './backend.js'
import { FakeBackend } from './fake/index.js'
import { LocalBackend, checkLocalBackendPrerequisites } from './local/index.js'

/**
 * The backend a portal names: `local` (bubblewrap sandboxes under `<dataDir>/sessions`) or `fake`
 * (in-memory, for trying the API without sandboxes). Throws `backend_failed` with what to install when
 * the local backend cannot work on this machine; logs once, as a warning, which of `limits` (the
 * configured sandbox limits) this machine cannot apply and what to do.
 */
export async function makeBackend(
  name: 'local' | 'fake',
  o: { dataDir: string; log: (m: string) => void; limits?: SandboxSpec['limits'] },
): Promise<SessionBackend> {
  if (name === 'fake') {
    o.log('warning: the fake backend is in use: sessions have no real sandboxes')
    return new FakeBackend()
  }
  const check = await checkLocalBackendPrerequisites()
  if (!check.ok) throw new LabgateError('backend_failed', check.message)
  const backend = new LocalBackend({ dataDir: o.dataDir, log: o.log })
  const notice = o.limits ? await backend.limitsNotice(o.limits) : null
  if (notice) o.log(`warning: ${notice}`)
  return backend
}
