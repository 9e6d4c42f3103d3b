/**
 * Reads an answer of another system (an LMS, a remote lab system) without trusting its size: at most
 * `maxBytes` of the body are kept, and the rest is not downloaded.
 */

/** The body as UTF-8 text: all of it, or its first `maxBytes` with `truncated` set (the rest cancelled). */
export async function readCapped(
  res: Response,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const reader = res.body?.getReader()
  if (!reader) return { text: '', truncated: false }
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size))
      await reader.cancel()
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true }
    }
    size += value.byteLength
    chunks.push(value)
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false }
}
