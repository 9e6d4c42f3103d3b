/**
 * What one session of the local backend takes from the host with one terminal open, as the density
 * benchmark measures it: four processes (the sandbox's outer bwrap and labgate-init, its pid 1, and the
 * terminal's nsenter and shell), one pty, two descriptors in labgate, one namespace of each kind.
 */
import type { SessionFootprint } from './session-capacity.js'

export const LOCAL_SESSION_FOOTPRINT: SessionFootprint = {
  processes: 4,
  ptys: 1,
  labgateFds: 2,
  namespaces: 1,
}
