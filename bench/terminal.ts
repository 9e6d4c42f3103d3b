/**
 * A terminal client over labgate's WebSocket wire protocol (src/terminals/README.md): binary frames are
 * output, text frames `{"t":"i","d":…}` input; `{"t":"x",…}` from the server means the terminal is gone.
 */
import WebSocket from 'ws'
import { now } from './stats.js'

/** The server refused the upgrade with a plain HTTP status (403, 404, 401…). */
export class TerminalRefused extends Error {
  constructor(readonly status: number) {
    super(`terminal refused: HTTP ${status}`)
  }
}

/** The end of a bash/sh prompt: `$ ` (or `# `), possibly followed by terminal control sequences. */
// eslint-disable-next-line no-control-regex -- ESC starts the control sequences a shell prints after its prompt
export const PROMPT = /[$#] (?:\x1b\[[0-9;?]*[A-Za-z])*$/

/** How much recent output, as latin1 text, a terminal keeps for `waitFor` predicates. */
const RECENT = 4096

interface Waiter {
  test: () => boolean
  done: (t: number) => void
  fail: (e: Error) => void
}

export class Terminal {
  /** Output bytes received since the socket opened. */
  bytes = 0
  /** Output frames received since the socket opened. */
  frames = 0
  /** Output received since the last {@link reset} (its last 4 KiB, latin1). */
  recent = ''
  /** Set when the server said the terminal is gone, or the socket closed. */
  gone: string | null = null
  private waiters = new Set<Waiter>()
  private byteWatch: ((chunk: Buffer, t: number) => void) | null = null

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const t = now()
      if (!isBinary) {
        const m = JSON.parse(data.toString('utf8')) as { t: string; code?: number | null; message?: string }
        if (m.t === 'x') this.end(`terminal gone (code ${m.code}): ${m.message ?? ''}`)
        return
      }
      this.bytes += data.length
      this.frames++
      this.byteWatch?.(data, t)
      const text = (data.length > RECENT ? data.subarray(data.length - RECENT) : data).toString('latin1')
      this.recent = (this.recent + text).slice(-RECENT)
      for (const w of this.waiters) if (w.test()) w.done(t)
    })
    ws.on('close', (code, reason) => this.end(`socket closed (${code} ${reason.toString()})`))
    ws.on('error', (e) => this.end(`socket error: ${e.message}`))
  }

  private end(why: string): void {
    this.gone ??= why
    for (const w of this.waiters) w.fail(new Error(why))
  }

  /**
   * Opens a terminal socket; resolves once the upgrade is done, rejects with {@link TerminalRefused} when the
   * server answers with a plain HTTP status instead.
   */
  static open(
    target: { url: string; headers: Record<string, string> },
    timeoutMs = 10_000,
  ): Promise<Terminal> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(target.url, {
        headers: target.headers,
        perMessageDeflate: false,
        handshakeTimeout: timeoutMs,
      })
      const t = new Terminal(ws)
      ws.once('unexpected-response', (req, res) => {
        res.resume()
        req.destroy()
        reject(new TerminalRefused(res.statusCode ?? 0))
      })
      ws.once('open', () => resolve(t))
      ws.once('error', reject)
      ws.once('close', () => reject(new Error(`terminal socket closed before it opened: ${t.gone}`)))
    })
  }

  /** Forgets the output received so far, for a `waitFor` about what comes next. */
  reset(): void {
    this.recent = ''
  }

  /** Sends input (keystrokes, a pasted command). */
  input(d: string): void {
    this.ws.send(JSON.stringify({ t: 'i', d }))
  }

  /**
   * Resolves with the arrival time (`now()`) of the output that made `test(recent)` true (at once if it is
   * already); rejects after `timeoutMs` or when the terminal goes away.
   */
  waitFor(test: (recent: string) => boolean, timeoutMs: number, what: string): Promise<number> {
    if (test(this.recent)) return Promise.resolve(now())
    if (this.gone) return Promise.reject(new Error(`${what}: ${this.gone}`))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w)
        reject(
          new Error(
            `${what}: not seen within ${timeoutMs} ms; last output ${JSON.stringify(this.recent.slice(-160))}`,
          ),
        )
      }, timeoutMs)
      const w: Waiter = {
        test: () => test(this.recent),
        done: (t) => {
          clearTimeout(timer)
          this.waiters.delete(w)
          resolve(t)
        },
        fail: (e) => {
          clearTimeout(timer)
          this.waiters.delete(w)
          reject(new Error(`${what}: ${e.message}`))
        },
      }
      this.waiters.add(w)
    })
  }

  /** Waits for the shell's prompt at the end of the output since the last reset. */
  prompt(timeoutMs = 10_000): Promise<number> {
    return this.waitFor((r) => PROMPT.test(r), timeoutMs, 'prompt')
  }

  /**
   * Resolves with the arrival time of the frame that completes `needle` in the byte stream (searched in the
   * raw bytes, across frame boundaries, without decoding the output); rejects after `timeoutMs`.
   */
  waitForBytes(needle: Buffer, timeoutMs: number, what: string): Promise<number> {
    return new Promise((resolve, reject) => {
      let carry = Buffer.alloc(0)
      const finish = (e: Error | null, t = 0) => {
        clearTimeout(timer)
        this.byteWatch = null
        this.waiters.delete(w)
        if (e) reject(e)
        else resolve(t)
      }
      const timer = setTimeout(
        () => finish(new Error(`${what}: not seen within ${timeoutMs} ms (${this.bytes} bytes received)`)),
        timeoutMs,
      )
      // Only to hear about the terminal going away.
      const w: Waiter = {
        test: () => false,
        done: () => {},
        fail: (e) => finish(new Error(`${what}: ${e.message}`)),
      }
      this.waiters.add(w)
      this.byteWatch = (chunk, t) => {
        const hay = carry.length ? Buffer.concat([carry, chunk]) : chunk
        if (hay.indexOf(needle) >= 0) return finish(null, t)
        carry = Buffer.from(hay.subarray(Math.max(0, hay.length - needle.length + 1)))
      }
    })
  }

  /** Closes the socket (the shell keeps running in labgate) and resolves when it is closed. */
  close(timeoutMs = 2_000): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate()
        resolve()
      }, timeoutMs)
      this.ws.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      this.ws.close()
    })
  }
}
