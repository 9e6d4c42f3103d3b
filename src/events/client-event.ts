/**
 * Namespaces of the events labgate itself records (`Session/Started`, `User/Create`, …), plus `Client`,
 * which marks client events. A client event may not use them as they are.
 */
export const SERVER_EVENT_NAMESPACES = ['Session', 'User', 'Environment', 'Portal', 'Client'] as const

/** The prefix a client event in a server namespace is recorded under. */
export const CLIENT_EVENT_PREFIX = 'Client/'

/**
 * The name a client-posted event is recorded and forwarded under: `Client/<name>` when `name` is in a
 * server namespace (compared without regard to case, e.g. `Session/Terminate` → `Client/Session/Terminate`),
 * else `name` as posted (a workshop's own names, such as `Workshop/Start`, reach the webhooks unchanged).
 * So no client event can pose as one of labgate's, and every name starting with `Client/` came from one.
 */
export function clientEventName(name: string): string {
  const namespace = name.split('/')[0]!.trim().toLowerCase()
  const reserved = SERVER_EVENT_NAMESPACES.some((n) => n.toLowerCase() === namespace)
  return reserved ? CLIENT_EVENT_PREFIX + name : name
}
