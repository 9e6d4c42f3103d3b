export { FakeBackend, type FakeBackendOptions, type FakeHandle } from './fake-backend.js'
export { FakePty } from './fake-pty.js'
export { FakeWorld, type FakeSandbox } from './fake-world.js'
export {
  CrashingFakeBackend,
  NeverReadyFakeBackend,
  SlowFakeBackend,
  type CrashingFakeOptions,
} from './failure-modes.js'
