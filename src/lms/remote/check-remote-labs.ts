/**
 * Checks the portal's remote lab systems from labgate's side of the wire: for each system, its plug-in's
 * own test (`test_plugin`), its `capabilities` and its `labs`, and for each lab an LMS names on it,
 * whether the system offers that laboratory. Read-only: it reserves nothing.
 */
import type { LabgateSettings, RemoteLabSystem } from '../../config/types.js'
import { PluginClient } from '../../backends/remote/plugin-client.js'
import { RemoteLabError } from '../../backends/remote/remote-lab-error.js'

/** A lab of an LMS that names a laboratory of the system, and whether the system offers it. */
export interface ReferencedLab {
  lms: string
  lab: string
  laboratory: string
  /** `found`, `missing`, or `unknown` when the system's `labs` call failed. */
  status: 'found' | 'missing' | 'unknown'
}

/** What one system answered; a call that failed has its error message in `errors` and no value. */
export interface SystemCheck {
  system: string
  baseUrl: string
  /** `test_plugin`'s verdict, when it answered. */
  testPlugin?: { valid: boolean; errorMessages: string[] }
  capabilities?: string[]
  /** The `laboratory_id`s of `labs`, when it answered. */
  laboratories?: string[]
  /** The messages of the calls that failed, each naming the system and what went wrong. */
  errors: string[]
  referencedLabs: ReferencedLab[]
  /** True when every call answered, the plug-in says it is valid and no referenced laboratory is missing. */
  ok: boolean
}

/** How the checks talk to the systems. */
export interface CheckDeps {
  /** The client of a system; a fresh {@link PluginClient} by default. */
  clientFor?: (system: RemoteLabSystem) => PluginClient
}

/**
 * Checks every system of `settings.remoteLabs`, in order. Never throws for a system's failure (it is in
 * that system's `errors`); the systems are checked one after the other, their three calls together.
 */
export async function checkRemoteLabs(
  settings: Pick<LabgateSettings, 'lms' | 'remoteLabs'>,
  deps: CheckDeps = {},
): Promise<SystemCheck[]> {
  const out: SystemCheck[] = []
  for (const system of settings.remoteLabs) {
    const client = (deps.clientFor ?? ((s) => new PluginClient(s)))(system)
    const errors: string[] = []
    const attempt = <T>(p: Promise<T>): Promise<T | undefined> =>
      p.catch((e: unknown) => {
        if (!(e instanceof RemoteLabError)) throw e
        errors.push(e.message)
        return undefined
      })
    const [testPlugin, capabilities, labs] = await Promise.all([
      attempt(client.testPlugin()),
      attempt(client.capabilities()),
      attempt(client.labs()),
    ])
    const offered = labs?.map((l) => l.laboratory_id)
    const referencedLabs: ReferencedLab[] = settings.lms.flatMap((lms) =>
      lms.labs.flatMap((lab) =>
        lab.remote?.system === system.name
          ? [
              {
                lms: lms.name,
                lab: lab.id,
                laboratory: lab.remote.laboratory,
                status: !offered ? 'unknown' : offered.includes(lab.remote.laboratory) ? 'found' : 'missing',
              } as const,
            ]
          : [],
      ),
    )
    out.push({
      system: system.name,
      baseUrl: system.baseUrl,
      ...(testPlugin ? { testPlugin } : {}),
      ...(capabilities ? { capabilities } : {}),
      ...(offered ? { laboratories: offered } : {}),
      errors,
      referencedLabs,
      ok:
        errors.length === 0 &&
        testPlugin?.valid === true &&
        referencedLabs.every((r) => r.status === 'found'),
    })
  }
  return out
}
