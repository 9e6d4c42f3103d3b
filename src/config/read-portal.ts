import type { ConfigNode } from './config-node.js'
import { readLabgateSettings } from './read-labgate-settings.js'
import { readResourceName } from './read-metadata.js'
import {
  readBoolean,
  readCount,
  readEnum,
  readHttpUrl,
  readLabels,
  readName,
  readString,
} from './read-values.js'
import type { PortalEntry } from './resolve-portal-workshop.js'
import type { PortalDefinition } from './types.js'
import {
  COUNT_SETTINGS,
  DURATION_SETTINGS,
  IGNORED_SETTINGS,
  layerSettings,
  readWorkshopSettings,
  type WorkshopSettings,
} from './workshop-settings.js'

/** A TrainingPortal as read: everything but its workshops, plus the entries and defaults to resolve them. */
export interface PortalDraft {
  definition: Omit<PortalDefinition, 'workshops'>
  /** `spec.portal.workshop.defaults` layered over the deprecated `spec.portal.{capacity, …}`. */
  defaults: WorkshopSettings
  entries: PortalEntry[]
  /** The document root, for messages about the portal as a whole. */
  node: ConfigNode
}

const SETTING_FIELDS = [...COUNT_SETTINGS, ...DURATION_SETTINGS, 'labels', 'env']
/** Deprecated workshop defaults directly under `spec.portal` (v1alpha1, still read by Educates 3). */
const LEGACY_DEFAULTS = ['capacity', 'reserved', 'initial', 'expires', 'orphaned', 'overdue'] as const

const PORTAL_FIELDS = [
  'labels',
  'index',
  'sessions',
  'registration',
  'catalog',
  'credentials',
  'clients',
  'workshop',
  'password',
  ...LEGACY_DEFAULTS,
]
/** Educates portal fields about its own web site and Kubernetes ingress: no meaning in labgate. */
const PORTAL_IGNORED = ['title', 'logo', 'theme', 'ingress', 'cookies', 'updates', 'refresh']

/**
 * Reads a TrainingPortal resource (either apiVersion) from its document root. `sourceFile` is the file's
 * resolved path. Errors and warnings go to the node's findings; returns `undefined` only when the portal has
 * no usable name. Entries with an invalid name, or repeating another entry's alias-or-name, are left out.
 */
export function readPortal(root: ConfigNode, sourceFile: string): PortalDraft | undefined {
  const name = readResourceName(root)
  const spec = root.get('spec')
  spec.fields(['portal', 'analytics', 'workshops', 'labgate'])
  const portal = spec.get('portal')
  portal.fields(PORTAL_FIELDS, PORTAL_IGNORED)

  const sessions = portal.get('sessions')
  sessions.fields(['maximum', 'registered', 'anonymous'])
  const maximum = readCount(sessions.get('maximum')) ?? 0
  const registered = readCount(sessions.get('registered')) ?? 0
  const registration = portal.get('registration')
  registration.fields(['type', 'enabled'])
  const catalog = portal.get('catalog')
  catalog.fields(['visibility'])
  const entries = readEntries(spec.get('workshops'))

  const definition: Omit<PortalDefinition, 'workshops'> = {
    name: name ?? '',
    labels: readLabels(portal.get('labels')) ?? {},
    maximum,
    registered,
    // Educates: an unset anonymous cap follows the registered one.
    anonymous: readCount(sessions.get('anonymous')) ?? registered,
    registration: {
      type: readEnum(registration.get('type'), ['one-step', 'anonymous'] as const) ?? 'one-step',
      enabled: readBoolean(registration.get('enabled')) ?? true,
    },
    catalogVisibility: readEnum(catalog.get('visibility'), ['private', 'public'] as const) ?? 'private',
    robot: readRobot(portal),
    labgate: readLabgateSettings(
      spec.get('labgate'),
      entries.map((e) => e.alias ?? e.name),
    ),
    sourceFile,
  }
  const accessCode = readString(portal.get('password'))
  if (accessCode === '') portal.get('password').error('must not be empty (leave it out for an open portal)')
  else if (accessCode !== undefined) definition.accessCode = accessCode
  const index = readHttpUrl(portal.get('index'))
  if (index !== undefined) definition.index = index
  const admin = readAdmin(portal)
  if (admin) definition.admin = admin
  const webhookUrl = readWebhook(spec.get('analytics'))
  if (webhookUrl !== undefined) definition.webhookUrl = webhookUrl

  const workshop = portal.get('workshop')
  workshop.fields(['defaults'])
  const defaultsNode = workshop.get('defaults')
  defaultsNode.fields(SETTING_FIELDS, IGNORED_SETTINGS)
  const defaults = layerSettings(
    readWorkshopSettings(defaultsNode),
    readWorkshopSettings(portal, LEGACY_DEFAULTS),
  )

  return name === undefined ? undefined : { definition, defaults, entries, node: root }
}

function readEntries(list: ConfigNode): PortalEntry[] {
  const entries: PortalEntry[] = []
  const keys = new Map<string, string>()
  for (const item of list.items()) {
    if (!item.fields(['name', 'alias', ...SETTING_FIELDS], IGNORED_SETTINGS)) continue
    const name = readName(item.get('name'))
    const aliasNode = item.get('alias')
    const alias = aliasNode.present ? readName(aliasNode) : undefined
    const settings = readWorkshopSettings(item)
    if (name === undefined || (aliasNode.present && alias === undefined)) continue
    const key = alias ?? name
    const first = keys.get(key)
    if (first !== undefined) {
      const field = alias === undefined ? item.get('name') : aliasNode
      field.error(`${JSON.stringify(key)} is already listed at ${first}; give one of them a different alias`)
      continue
    }
    keys.set(key, item.pathText)
    entries.push({ node: item, name, ...(alias !== undefined ? { alias } : {}), settings })
  }
  return entries
}

function readRobot(portal: ConfigNode): PortalDefinition['robot'] {
  const credentials = portal.get('credentials')
  credentials.fields(['admin', 'robot'])
  const user = credentials.get('robot')
  user.fields(['username', 'password'])
  const clients = portal.get('clients')
  clients.fields(['robot'])
  const client = clients.get('robot')
  client.fields(['id', 'secret'])
  return compact({
    username: readSecret(user.get('username')),
    password: readSecret(user.get('password')),
    clientId: readSecret(client.get('id')),
    clientSecret: readSecret(client.get('secret')),
  })
}

function readAdmin(portal: ConfigNode): PortalDefinition['admin'] {
  const admin = portal.get('credentials').get('admin')
  if (!admin.fields(['username', 'password']) || !admin.present) return undefined
  return compact({ username: readSecret(admin.get('username')), password: readSecret(admin.get('password')) })
}

function readWebhook(analytics: ConfigNode): string | undefined {
  analytics.fields(['webhook'], ['google', 'clarity', 'amplitude'])
  const webhook = analytics.get('webhook')
  webhook.fields(['url'])
  return readHttpUrl(webhook.get('url'))
}

/** A credential: a non-empty string when given. */
function readSecret(node: ConfigNode): string | undefined {
  const value = readString(node)
  if (value === '') node.error('must not be empty (leave it out to have one generated)')
  return value || undefined
}

function compact<T extends Record<string, string | undefined>>(record: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: string
  }
}
