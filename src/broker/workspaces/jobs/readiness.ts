import { request } from 'node:http'
import type { SandboxHandle, SessionBackend } from '../../../backends/backend.js'

/**
 * True when an HTTP GET of `path` on port `port` inside the sandbox answers (any status below 500) within
 * `timeoutMs`; false when the backend cannot reach the port, nothing listens, or no answer comes. Dials the
 * port the way the gateway does (`backend.connect`). Never throws.
 */
export async function webServerAnswers(
  backend: SessionBackend,
  handle: SandboxHandle,
  port: number,
  path: string,
  timeoutMs = 2000,
): Promise<boolean> {
  if (!backend.connect) return false
  let endpoint
  try {
    endpoint = await backend.connect(handle, port)
  } catch {
    return false
  }
  return new Promise((resolve) => {
    const req = request(
      { ...endpoint, method: 'GET', path, agent: false, timeout: timeoutMs, headers: { host: 'localhost' } },
      (res) => {
        res.resume()
        resolve((res.statusCode ?? 500) < 500)
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
    req.end()
  })
}
