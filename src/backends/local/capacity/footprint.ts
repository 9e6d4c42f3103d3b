/**
 * What one session of the local backend takes from the host with one terminal open, as the density
 * benchmark measures it: processes, of the sandbox's outer bwrap (which the native spawner lets go once
 * the sandbox runs), labgate-init (its pid 1), the terminal's nsenter (which the native spawner, as root,
 * does without) and its shell: two with the native spawner as root, three with it otherwise, four
 * without it; one pty, one namespace of each kind, and labgate's descriptors: one (the
 * terminal's WebSocket) where the native spawner holds the pty's master (it then holds that one
 * descriptor, under the same open-files limit), two where labgate holds the master itself.
 */
import { spawnerAvailable } from '../launcher/native-spawner.js'
import type { SessionFootprint } from './session-capacity.js'

const native = spawnerAvailable()
const root = process.getuid?.() === 0

/**
 * The footprint of a session on this machine, with its memory: about 1.25 MiB of its own with the
 * native spawner as root (0.25 more for a lingering nsenter without root, 0.5 more without the spawner:
 * bwrap's process and nsenter), as the density benchmark measured; five filesystems (six under bwrap's
 * `--dev`), one more with a home image; a memory cgroup each where labgate is root and sessions have a
 * memory limit.
 */
export function localSessionFootprint(o: { homeImages: boolean; memoryLimit: boolean }): SessionFootprint {
  return {
    processes: native ? (root ? 2 : 3) : 4,
    ptys: 1,
    labgateFds: native ? 1 : 2,
    namespaces: 1,
    memory: {
      linearMiB: native ? (root ? 1.25 : 1.5) : 1.75,
      filesystems: (native ? 5 : 6) + (o.homeImages ? 1 : 0),
      memoryCgroup: root && o.memoryLimit,
    },
  }
}

/** {@link localSessionFootprint} with plain homes and a memory limit per session (the defaults' cost). */
export const LOCAL_SESSION_FOOTPRINT: SessionFootprint = localSessionFootprint({
  homeImages: false,
  memoryLimit: true,
})
