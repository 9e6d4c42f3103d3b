import { LabgateError } from '../domain/errors.js'

/**
 * Thrown by `loadConfig` when the definitions cannot be used. `problems` holds every error found, one line
 * each, formatted `file:line: dotted.path: what is wrong and what is expected`; the message joins them.
 */
export class ConfigError extends LabgateError {
  constructor(readonly problems: readonly string[]) {
    super('config_invalid', problems.join('\n'), { problems: [...problems] })
    this.name = 'ConfigError'
  }
}
