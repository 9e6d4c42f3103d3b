import { StringDecoder } from 'node:string_decoder'
import WebSocket from 'ws'

/** Test helper: a terminal WebSocket client that collects output and control frames. */
export interface TestTerminal {
  ws: WebSocket
  /** All output so far, decoded as UTF-8. */
  output(): string
  /** Control frames received so far (parsed JSON). */
  controls: Array<Record<string, unknown>>
  /** Sends an input frame. */
  type(text: string): void
  /** Sends any frame as is. */
  send(frame: unknown): void
  /** Resolves with the output once `pattern` matches the output received after `from` (a length). */
  waitFor(pattern: RegExp, opts?: { from?: number; timeoutMs?: number }): Promise<RegExpMatchArray>
  /** Resolves with the close code. */
  closed: Promise<number>
  /** Bytes received in binary frames. */
  bytes(): number
}

/** Opens `url` and resolves once the socket is open; rejects with the HTTP status when refused. */
export function openTerminal(url: string, headers: Record<string, string> = {}): Promise<TestTerminal> {
  const ws = new WebSocket(url, { headers })
  const decoder = new StringDecoder('utf8')
  const chunks: string[] = []
  let bytes = 0
  const waiters = new Set<(chunk: string) => void>()
  const controls: Array<Record<string, unknown>> = []
  const output = () => {
    // Joined once and cached: repeated concatenation and slicing of a large string is quadratic.
    if (chunks.length > 1) chunks.splice(0, chunks.length, chunks.join(''))
    return chunks[0] ?? ''
  }
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary) {
      controls.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>)
      return
    }
    bytes += data.length
    const chunk = decoder.write(data)
    chunks.push(chunk)
    for (const w of waiters) w(chunk)
  })
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  const t: TestTerminal = {
    ws,
    controls,
    output,
    bytes: () => bytes,
    type: (d) => ws.send(JSON.stringify({ t: 'i', d })),
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    closed,
    waitFor: (pattern, opts = {}) =>
      new Promise((resolve, reject) => {
        // Patterns are short: keep searching only the new output plus a little before it.
        let window = output().slice(opts.from ?? 0)
        const check = (chunk: string) => {
          window += chunk
          const m = window.match(pattern)
          if (!m) {
            window = window.slice(-4096)
            return false
          }
          waiters.delete(check)
          clearTimeout(timer)
          resolve(m)
          return true
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(
            new Error(`timed out waiting for ${pattern}; output: ${JSON.stringify(window.slice(-2000))}`),
          )
        }, opts.timeoutMs ?? 10_000)
        if (!check('')) waiters.add(check)
      }),
  }
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(t))
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`refused: ${res.statusCode}`), { status: res.statusCode }))
      ws.terminate()
    })
    ws.on('error', reject)
  })
}
