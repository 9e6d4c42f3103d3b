import { DirectLauncher } from './direct-launcher.js'
import { launcherConformance } from './launcher.conformance.js'

launcherConformance('DirectLauncher', () => new DirectLauncher())
