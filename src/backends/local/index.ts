export { LocalBackend, type LocalBackendOptions, type LocalExecOptions } from './local-backend.js'
export type { LocalHandle } from './handle.js'
export { checkLocalBackendPrerequisites } from './prerequisites.js'
