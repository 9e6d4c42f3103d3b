import { ApiException } from '@kubernetes/client-node'

/** The HTTP status of a failed API call, or undefined when it never got an answer (network, TLS). */
export function apiStatus(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code as number
  const code = (err as { code?: unknown; statusCode?: unknown } | null)?.statusCode
  return typeof code === 'number' ? code : undefined
}

/** The API server's message for a failed call (its `Status.message`), else the error's own. */
export function apiMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = typeof err.body === 'string' ? safeParse(err.body) : err.body
    const message = (body as { message?: unknown } | null)?.message
    return typeof message === 'string' ? `${message} (HTTP ${err.code})` : `HTTP ${err.code}`
  }
  return err instanceof Error ? err.message : String(err)
}

/** Resolves with `call`'s result, or undefined when the API answered 404 Not Found. */
export async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call
  } catch (err) {
    if (apiStatus(err) === 404) return undefined
    throw err
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
