import type { Store } from '../../store/store.js'
import type { WorkspaceDeps } from './deps.js'

/** What the sharing use cases need beyond the workspace ones: the users, to find recipients and name owners. */
export interface ShareDeps extends WorkspaceDeps {
  users: Pick<Store, 'getUser'>
}
