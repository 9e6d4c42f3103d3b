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

export const LOCAL_SESSION_FOOTPRINT: SessionFootprint = {
  processes: native ? (process.getuid?.() === 0 ? 2 : 3) : 4,
  ptys: 1,
  labgateFds: native ? 1 : 2,
  namespaces: 1,
}
