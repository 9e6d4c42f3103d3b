/**
 * The workspaces API calls the benchmark makes, as a HuBMAP client makes them: a user token from
 * `POST /tokens/` (bought with the robot's access token), then `UWS-Authorization: Token <key>` on every call,
 * paths with the trailing slash, JSON bodies.
 */
import { UnexpectedResponse } from './api.js'
import type { HttpClient, HttpResponse } from './http.js'

/** A file of a workspace create: its name (relative) and content. */
export interface UwsFile {
  name: string
  content: string
}

/** `data.jobs[]` of `GET /jobs/<id>/`, the fields the benchmark reads. */
export interface UwsJob {
  id: number
  status: string
  job_details: { current_job_details: { message?: string } }
}

/** The body of `PUT /workspaces/<id>/start/` the portal sends, with the given job type. */
export function startBody(jobType: string): Record<string, unknown> {
  return { job_type: jobType, job_details: {}, resource_options: {} }
}

export class UwsClient {
  key = ''

  constructor(readonly http: HttpClient) {}

  /** Sends one authenticated call with a JSON body (if any); returns the raw response. */
  send(method: string, path: string, body?: unknown): Promise<HttpResponse> {
    return this.http.send(path, {
      method,
      headers: { 'uws-authorization': `Token ${this.key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  }

  /** `POST /tokens/` for `username` with the robot's access token; keeps and returns the key. */
  async signIn(robotToken: string, username: string): Promise<string> {
    const res = await this.http.send('/tokens/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_token: robotToken,
        user_info: { username, email: `${username}@bench.test` },
      }),
    })
    if (res.status !== 200) throw new UnexpectedResponse('tokens', res)
    this.key = (JSON.parse(res.body) as { token: string }).token
    return this.key
  }

  /** Parses the `data.workspace.id` of a create's 200 answer, or throws. */
  static createdId(res: HttpResponse): number {
    if (res.status !== 200) throw new UnexpectedResponse('create workspace', res)
    return (JSON.parse(res.body) as { data: { workspace: { id: number } } }).data.workspace.id
  }

  /** `POST /workspaces/` with `files` and no symlinks; resolves with the raw response (untimed callers parse it). */
  create(name: string, files: UwsFile[]): Promise<HttpResponse> {
    return this.send('POST', '/workspaces/', {
      name,
      description: 'a workspace the benchmark creates',
      workspace_details: { files, symlinks: [] },
    })
  }

  /** `DELETE /workspaces/<id>/`: 200 ("queued for deletion") or throws. */
  async delete(id: number): Promise<void> {
    const res = await this.send('DELETE', `/workspaces/${id}/`)
    if (res.status !== 200) throw new UnexpectedResponse(`delete workspace ${id}`, res)
  }

  /** True once `GET /workspaces/<id>/` lists nothing (the asynchronous delete is done). */
  async workspaceGone(id: number): Promise<boolean> {
    const res = await this.send('GET', `/workspaces/${id}/`)
    if (res.status !== 200) throw new UnexpectedResponse(`workspace ${id}`, res)
    return (JSON.parse(res.body) as { data: { workspaces: unknown[] } }).data.workspaces.length === 0
  }

  /** `PUT /workspaces/<id>/start/`; resolves with the raw response. */
  start(workspaceId: number, jobType: string): Promise<HttpResponse> {
    return this.send('PUT', `/workspaces/${workspaceId}/start/`, startBody(jobType))
  }

  /** Parses the `data.job` of a start's 200 answer, or throws with the answer's status and message. */
  static startedJob(res: HttpResponse): UwsJob {
    if (res.status !== 200) throw new UnexpectedResponse('start job', res)
    return (JSON.parse(res.body) as { data: { job: UwsJob } }).data.job
  }

  /** `GET /jobs/<id>/`: the job, or null when it is not listed. */
  async job(id: number): Promise<UwsJob | null> {
    const res = await this.send('GET', `/jobs/${id}/`)
    if (res.status !== 200) throw new UnexpectedResponse(`job ${id}`, res)
    return (JSON.parse(res.body) as { data: { jobs: UwsJob[] } }).data.jobs[0] ?? null
  }

  /** `PUT /jobs/<id>/stop/`: 200, or 400 when it had already ended; throws otherwise. */
  async stop(id: number): Promise<void> {
    const res = await this.send('PUT', `/jobs/${id}/stop/`)
    if (res.status !== 200 && res.status !== 400) throw new UnexpectedResponse(`stop job ${id}`, res)
  }
}
