import { LabgateError } from '../../domain/errors.js'
import type { SlurmApi, SlurmJob, SlurmSubmission } from './slurm-api.js'
import { SlurmHttp, type SlurmEndpoint, type SlurmHttpResponse } from './slurm-http.js'
import {
  SLURM_ERRNO,
  compareVersions,
  describeErrors,
  offeredVersions,
  parseJob,
  submissionBody,
  wireErrors,
  type SlurmWireError,
} from './slurm-json.js'

/** The OpenAPI versions this client speaks, newest first. */
export const SLURM_API_VERSIONS = ['v0.0.41', 'v0.0.40', 'v0.0.39', 'v0.0.38'] as const

/** How to reach slurmrestd: `socketPath` (local auth) or `url` (JWT auth: `token`, for `user`). */
export interface SlurmConnectOptions {
  /** A slurmrestd listening on a unix socket with `-a rest_auth/local`: it takes labgate's uid. */
  socketPath?: string
  /** A slurmrestd listening on HTTP(S) with `-a rest_auth/jwt`, e.g. `http://127.0.0.1:6820`. */
  url?: string
  /** With `url`: the user the token is for (`X-SLURM-USER-NAME`); default: the token's `sun` claim. */
  user?: string
  /** With `url`: a JWT from `scontrol token` (`X-SLURM-USER-TOKEN`). */
  token?: string
  /** How long one request may take; default 30 s. */
  timeoutMs?: number
}

/**
 * Connects to slurmrestd and picks the newest OpenAPI version it offers of those this client speaks
 * (read from its OpenAPI description). Rejects with `config_invalid` when the options do not name exactly
 * one endpoint (or a URL lacks its token), and with `backend_failed` when slurmrestd cannot be reached or
 * offers none of the versions.
 */
export async function connectSlurm(opts: SlurmConnectOptions): Promise<SlurmApi> {
  const http = new SlurmHttp(endpointOf(opts), opts.timeoutMs ?? 30_000)
  try {
    const version = await negotiate(http)
    return new SlurmRestClient(http, version, opts.url !== undefined)
  } catch (err) {
    http.close()
    throw err
  }
}

function endpointOf(opts: SlurmConnectOptions): SlurmEndpoint {
  if ((opts.socketPath === undefined) === (opts.url === undefined)) {
    throw new LabgateError('config_invalid', 'slurmrestd: give either a socket path or a URL')
  }
  if (opts.socketPath !== undefined) return { kind: 'socket', socketPath: opts.socketPath }
  let url: URL
  try {
    url = new URL(opts.url ?? '')
  } catch {
    throw new LabgateError('config_invalid', `slurmrestd URL "${opts.url}" is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LabgateError(
      'config_invalid',
      `slurmrestd URL "${opts.url}" must start with http:// or https://`,
    )
  }
  if (!opts.token) {
    throw new LabgateError(
      'config_invalid',
      `slurmrestd at ${url.origin} needs a JWT (from scontrol token) to authenticate with`,
    )
  }
  const user = opts.user ?? tokenUser(opts.token)
  if (!user) {
    throw new LabgateError(
      'config_invalid',
      `slurmrestd at ${url.origin}: give the user the JWT is for (the token names none)`,
    )
  }
  return { kind: 'url', url, user, token: opts.token }
}

/** The `sun` (Slurm user name) claim of a JWT, if it has one. */
function tokenUser(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown
    const sun = (claims as { sun?: unknown } | null)?.sun
    return typeof sun === 'string' && sun ? sun : undefined
  } catch {
    return undefined
  }
}

async function negotiate(http: SlurmHttp): Promise<string> {
  let res = await http.request('GET', '/openapi/v3')
  if (res.status === 404) res = await http.request('GET', '/openapi')
  if (res.status === 401 || res.status === 403) throw refused(http.where, res)
  if (res.status !== 200 || res.json === undefined) {
    throw new LabgateError(
      'backend_failed',
      `slurmrestd at ${http.where} gave no OpenAPI description (GET /openapi/v3: HTTP ${res.status} ${snippet(res.text)})`,
    )
  }
  const offered = offeredVersions(res.json)
  const chosen = SLURM_API_VERSIONS.find((v) => offered.includes(v))
  if (!chosen) {
    const list = offered.length > 0 ? offered.join(', ') : 'none'
    const oldest = [...SLURM_API_VERSIONS].sort(compareVersions)[0]
    throw new LabgateError(
      'backend_failed',
      `slurmrestd at ${http.where} offers OpenAPI versions ${list}; labgate speaks ${oldest} and newer`,
    )
  }
  return chosen
}

/** `SlurmApi` over slurmrestd's REST API in one OpenAPI version. */
class SlurmRestClient implements SlurmApi {
  constructor(
    private readonly http: SlurmHttp,
    readonly version: string,
    private readonly jwt: boolean,
  ) {}

  async ping(): Promise<void> {
    await this.call('GET', 'ping', 'ping slurmctld')
  }

  async submit(job: SlurmSubmission): Promise<number> {
    const res = await this.http.request(
      'POST',
      `/slurm/${this.version}/job/submit`,
      submissionBody(this.version, job),
    )
    const errors = wireErrors(res.json)
    const jobId = (res.json as { job_id?: unknown } | undefined)?.job_id
    if (res.status === 200 && errors.length === 0 && typeof jobId === 'number' && jobId > 0) return jobId
    if (res.status === 401 || res.status === 403) throw refused(this.http.where, res)
    const context = [
      job.partition !== undefined && /partition/i.test(describeErrors(errors))
        ? `partition "${job.partition}"`
        : '',
      job.account !== undefined && /account/i.test(describeErrors(errors)) ? `account "${job.account}"` : '',
    ].filter(Boolean)
    const why = errors.length > 0 ? describeErrors(errors) : `HTTP ${res.status} ${snippet(res.text)}`
    throw new LabgateError(
      'backend_failed',
      `Slurm refused job "${job.name}": ${why}${context.length ? ` (${context.join(', ')})` : ''}${this.hint(errors)}`,
    )
  }

  async job(jobId: number): Promise<SlurmJob | null> {
    const res = await this.http.request('GET', `/slurm/${this.version}/job/${jobIdOf(jobId)}`)
    const errors = wireErrors(res.json)
    if (errors.some((e) => e.errno === SLURM_ERRNO.invalidJobId)) return null
    const body = this.check(res, errors, `read job ${jobId}`)
    const jobs = listOf(body, 'jobs').map(parseJob)
    return jobs.find((j) => j?.jobId === jobId) ?? null
  }

  async jobs(): Promise<SlurmJob[]> {
    const body = await this.call('GET', 'jobs', 'list jobs')
    return listOf(body, 'jobs')
      .map(parseJob)
      .filter((j): j is SlurmJob => j !== null)
  }

  async cancel(jobId: number): Promise<void> {
    const res = await this.http.request('DELETE', `/slurm/${this.version}/job/${jobIdOf(jobId)}`)
    const errors = wireErrors(res.json)
    const gone = (e: SlurmWireError) =>
      e.errno === SLURM_ERRNO.invalidJobId ||
      e.errno === SLURM_ERRNO.alreadyDone ||
      /already completing or completed/i.test(`${e.error} ${e.description}`)
    if (errors.length > 0 && errors.every(gone)) return
    this.check(res, errors, `cancel job ${jobId}`)
  }

  close(): void {
    this.http.close()
  }

  private async call(method: 'GET', endpoint: string, what: string): Promise<unknown> {
    const res = await this.http.request(method, `/slurm/${this.version}/${endpoint}`)
    return this.check(res, wireErrors(res.json), what)
  }

  /** The body of a successful answer; otherwise throws saying what failed. */
  private check(res: SlurmHttpResponse, errors: SlurmWireError[], what: string): unknown {
    if (res.status === 401 || res.status === 403) throw refused(this.http.where, res)
    if (res.status >= 200 && res.status < 300 && errors.length === 0 && res.json !== undefined)
      return res.json
    const why = errors.length > 0 ? describeErrors(errors) : `HTTP ${res.status} ${snippet(res.text)}`
    throw new LabgateError(
      'backend_failed',
      `slurmrestd at ${this.http.where} could not ${what}: ${why}${this.hint(errors)}`,
    )
  }

  /** Over JWT, slurmctld answers a token it rejects with an unspecified error: say so. */
  private hint(errors: SlurmWireError[]): string {
    if (!this.jwt || !errors.some((e) => e.errno === -1)) return ''
    return ' (slurmctld answers this way when it rejects the JWT: check that the token is valid, unexpired and for this user)'
  }
}

function refused(where: string, res: SlurmHttpResponse): LabgateError {
  return new LabgateError(
    'backend_failed',
    `slurmrestd at ${where} refused the credentials (HTTP ${res.status} ${snippet(res.text)}): check the user name and the JWT, or the socket's local auth`,
  )
}

function jobIdOf(jobId: number): number {
  if (!Number.isSafeInteger(jobId) || jobId <= 0) {
    throw new LabgateError('backend_failed', `"${jobId}" is not a Slurm job id`)
  }
  return jobId
}

function listOf(body: unknown, key: string): unknown[] {
  const list = (body as Record<string, unknown> | undefined)?.[key]
  return Array.isArray(list) ? list : []
}

function snippet(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ')
  return t.length > 200 ? `${t.slice(0, 200)}…` : t
}
