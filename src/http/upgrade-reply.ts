/**
 * Answers written straight onto a raw socket, where a WebSocket upgrade arrives outside any HTTP
 * framework: the status line and headers, and a plain-text refusal that closes the socket.
 */
import type { OutgoingHttpHeaders } from 'node:http'
import type { Duplex } from 'node:stream'

/** Writes a plain-text HTTP error on a raw (upgrade) socket and closes it. Never throws. */
export function rejectUpgrade(socket: Duplex, status: number, body: string): void {
  if (socket.destroyed) return
  const reason = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  }
  socket.end(
    responseHead(status, reason[status as keyof typeof reason] ?? 'Error', {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      connection: 'close',
    }) + body,
  )
}

/** An HTTP/1.1 status line and headers, ending with the blank line. */
export function responseHead(status: number, reason: string, headers: OutgoingHttpHeaders): string {
  let head = `HTTP/1.1 ${status} ${reason}\r\n`
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`
  }
  return `${head}\r\n`
}
