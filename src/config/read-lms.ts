import type { ConfigNode } from './config-node.js'
import { isValidTimeZone } from '../domain/lab-windows.js'
import { readEndpointUrl } from './read-endpoint-url.js'
import { readLmsLabs, type LabTargets } from './read-lms-labs.js'
import {
  readIdentifier,
  readName,
  readRequiredSecret,
  readRequiredString,
  readString,
} from './read-values.js'
import type { BasicHttpCredentials, Lti11Credentials, Lti13Registration, LmsRegistration } from './types.js'

/**
 * Reads `spec.labgate.lms` (absent: none): a list of `{name, lti13?, lti11?, basicHttp?, labs, timeZone?}`.
 * - `name`: a DNS label, unique among the LMSs.
 * - `lti13: {issuer, clientId, deploymentIds, authUrl, tokenUrl, jwksUrl}`: all required; `deploymentIds`
 *   a non-empty list (repeats are warned about and dropped); the URLs (issuer too) https, or plain http to
 *   the loopback only, an error otherwise (the platform's keys and redirects sign users in). Each
 *   (`issuer`, `clientId`) pair belongs to one LMS.
 * - `lti11: {key, secret}`: both required; a key belongs to one LMS.
 * - `basicHttp: {username, password, coursesUrl?, coursesUsername?, coursesPassword?}`: a username belongs
 *   to one LMS; `coursesUrl` http(s), plain http to another machine warned about; with it, the login labgate
 *   sends there (`coursesUsername`, `coursesPassword`) is required, without it ignored with a warning.
 * - At least one of the three; `labs` as `readLmsLabs` reads them (none is warned about).
 * - `timeZone`: the IANA zone (`Europe/Madrid`) the `windows` of its labs and courses are read in; absent:
 *   `UTC`; a name Intl does not know is an error.
 * Secrets are non-empty strings kept as written, like the robot's credentials. Invalid entries are reported
 * on their node and left out (the load fails anyway).
 */
export function readLms(node: ConfigNode, targets: LabTargets): LmsRegistration[] {
  const out: LmsRegistration[] = []
  /** What identifies an LMS (its name, its LTI 1.3 pair, its LTI 1.1 key, its basic-HTTP login) → its path. */
  const owners = new Map<string, string>()
  for (const item of node.items()) {
    if (!item.present) item.error('expected a map {name, lti13, lti11, basicHttp, labs}, got nothing')
    if (!item.present || !item.fields(['name', 'lti13', 'lti11', 'basicHttp', 'labs', 'timeZone'])) continue
    const name = readName(item.get('name'))
    const lti13 = readLti13(item.get('lti13'))
    const lti11 = readLti11(item.get('lti11'))
    const basicHttp = readBasicHttp(item.get('basicHttp'))
    const labsNode = item.get('labs')
    const labs = readLmsLabs(labsNode, targets)
    const timeZone = readTimeZone(item.get('timeZone'))
    const protocols = ['lti13', 'lti11', 'basicHttp'].filter((p) => item.get(p).present)
    if (protocols.length === 0) {
      item.error('declares no protocol: give at least one of lti13, lti11, basicHttp')
    }
    if (!labsNode.present || (Array.isArray(labsNode.value) && labsNode.value.length === 0)) {
      labsNode.warn('lists no labs: this LMS can launch nothing')
    }
    if (name === undefined || protocols.length === 0 || timeZone === undefined) continue
    const registration: LmsRegistration = {
      name,
      ...(lti13 ? { lti13 } : {}),
      ...(lti11 ? { lti11 } : {}),
      ...(basicHttp ? { basicHttp } : {}),
      labs,
      timeZone,
    }
    const ids = identities(registration, item)
    const taken = ids.find(({ key }) => owners.has(key))
    if (taken) {
      taken.at.error(`${taken.what} is already used by ${owners.get(taken.key)}; each must identify one LMS`)
      continue
    }
    for (const { key } of ids) owners.set(key, item.pathText)
    out.push(registration)
  }
  return out
}

/** `timeZone`: an IANA name Intl knows, `UTC` when absent; undefined after an error. */
function readTimeZone(node: ConfigNode): string | undefined {
  if (!node.present) return 'UTC'
  const tz = readString(node)
  if (tz === undefined) return undefined
  if (isValidTimeZone(tz)) return tz
  node.error(`${JSON.stringify(tz)} is not a time zone: give an IANA name such as Europe/Madrid, or UTC`)
  return undefined
}

/** What must identify one LMS only, with the words and the node for the error when another has it. */
function identities(r: LmsRegistration, item: ConfigNode): { key: string; what: string; at: ConfigNode }[] {
  const out = [
    { key: JSON.stringify(['name', r.name]), what: `name ${JSON.stringify(r.name)}`, at: item.get('name') },
  ]
  if (r.lti13) {
    const key = JSON.stringify(['lti13', r.lti13.issuer, r.lti13.clientId])
    out.push({ key, what: 'this lti13 issuer and clientId', at: item.get('lti13') })
  }
  if (r.lti11) {
    const key = JSON.stringify(['lti11', r.lti11.key])
    out.push({ key, what: 'this lti11 key', at: item.get('lti11').get('key') })
  }
  if (r.basicHttp) {
    const key = JSON.stringify(['basicHttp', r.basicHttp.username])
    out.push({ key, what: 'this basicHttp username', at: item.get('basicHttp').get('username') })
  }
  return out
}

function readLti13(node: ConfigNode): Lti13Registration | undefined {
  if (
    !node.present ||
    !node.fields(['issuer', 'clientId', 'deploymentIds', 'authUrl', 'tokenUrl', 'jwksUrl'])
  ) {
    return undefined
  }
  const issuer = readEndpointUrl(node.get('issuer'), 'error')
  const clientId = readIdentifier(node.get('clientId'))
  const deploymentIds = readDeploymentIds(node.get('deploymentIds'))
  const authUrl = readEndpointUrl(node.get('authUrl'), 'error')
  const tokenUrl = readEndpointUrl(node.get('tokenUrl'), 'error')
  const jwksUrl = readEndpointUrl(node.get('jwksUrl'), 'error')
  if (!issuer || !clientId || !deploymentIds || !authUrl || !tokenUrl || !jwksUrl) return undefined
  return { issuer, clientId, deploymentIds, authUrl, tokenUrl, jwksUrl }
}

function readDeploymentIds(node: ConfigNode): string[] | undefined {
  if (!node.present) {
    node.error('is required: the deployment_id(s) this platform sends, at least one')
    return undefined
  }
  const ids: string[] = []
  let failed = false
  for (const item of node.items()) {
    const id = readIdentifier(item)
    if (id === undefined) failed = true
    else if (ids.includes(id)) item.warn(`${JSON.stringify(id)} is listed twice`)
    else ids.push(id)
  }
  if (Array.isArray(node.value) && node.value.length === 0) {
    node.error('lists no deployment: give the deployment_id(s) this platform sends, at least one')
  }
  return failed || ids.length === 0 ? undefined : ids
}

function readLti11(node: ConfigNode): Lti11Credentials | undefined {
  if (!node.present || !node.fields(['key', 'secret'])) return undefined
  const key = readIdentifier(node.get('key'))
  const secret = readRequiredSecret(node.get('secret'))
  return key && secret ? { key, secret } : undefined
}

function readBasicHttp(node: ConfigNode): BasicHttpCredentials | undefined {
  const fields = ['username', 'password', 'coursesUrl', 'coursesUsername', 'coursesPassword']
  if (!node.present || !node.fields(fields)) return undefined
  const username = readRequiredString(node.get('username'))
  const password = readRequiredSecret(node.get('password'))
  const coursesNode = node.get('coursesUrl')
  if (!coursesNode.present) {
    for (const f of ['coursesUsername', 'coursesPassword']) {
      if (node.get(f).present) node.get(f).warn('ignored: there is no coursesUrl to send it to')
    }
    return username && password ? { username, password } : undefined
  }
  const coursesUrl = readEndpointUrl(coursesNode, 'warn')
  const courseLogin = (f: string) => {
    const n = node.get(f)
    if (!n.present) {
      n.error("is required with coursesUrl: the login labgate sends to the LMS's course list")
      return undefined
    }
    return f === 'coursesPassword' ? readRequiredSecret(n) : readRequiredString(n)
  }
  const coursesUsername = courseLogin('coursesUsername')
  const coursesPassword = courseLogin('coursesPassword')
  if (!username || !password || !coursesUrl || !coursesUsername || !coursesPassword) return undefined
  return { username, password, coursesUrl, coursesUsername, coursesPassword }
}
