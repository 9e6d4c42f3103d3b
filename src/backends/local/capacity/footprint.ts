/**
 * What one session of the local backend takes from the host with one terminal open, as the density
 * benchmark measures it: three processes (the sandbox's outer bwrap and labgate-init, its pid 1, and the
 * terminal's shell) where the native spawner enters sandboxes itself (as root), four elsewhere (the
 * shell's nsenter stays), one pty, one namespace of each kind, and labgate's descriptors: one (the
 * terminal's WebSocket) where the native spawner holds the pty's master (it then holds that one
 * descriptor, under the same open-files limit), two where labgate holds the master itself.
 */
import { spawnerAvailable } from '../launcher/native-spawner.js'
import type { SessionFootprint } from './session-capacity.js'

const native = spawnerAvailable()

export const LOCAL_SESSION_FOOTPRINT: SessionFootprint = {
  processes: native && process.getuid?.() === 0 ? 3 : 4,
  ptys: 1,
  labgateFds: native ? 1 : 2,
  namespaces: 1,
}
