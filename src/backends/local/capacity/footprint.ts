/**
 * What one session of the local backend takes from the host with one terminal open, as the density
 * benchmark measures it: four processes (the sandbox's outer bwrap and labgate-init, its pid 1, and the
 * terminal's nsenter and shell), one pty, one namespace of each kind, and labgate's descriptors: one
 * (the terminal's WebSocket) where the native spawner holds the pty's master (it then holds that one
 * descriptor, under the same open-files limit), two where labgate holds the master itself.
 */
import { spawnerAvailable } from '../launcher/native-spawner.js'
import type { SessionFootprint } from './session-capacity.js'

export const LOCAL_SESSION_FOOTPRINT: SessionFootprint = {
  processes: 4,
  ptys: 1,
  labgateFds: spawnerAvailable() ? 1 : 2,
  namespaces: 1,
}
