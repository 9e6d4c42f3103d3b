/**
 * Labs on the one-node Slurm cluster of `scripts/slurm-cluster.sh`, end to end (needs `npm run build`: the
 * jobs run the built agent): a dashboard terminal in Chromium in a session whose sandbox is a Slurm job;
 * a `jupyter_lab` workspace job on Slurm opened in Chromium through the job gateway; and `labgate serve`
 * killed with SIGKILL while sessions run, then restarted on the same port and data: the sessions are
 * re-adopted with their jobs, a terminal still works, a stray job marked as the portal's is cancelled,
 * and no job of the portal is left that labgate does not know.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { parseSlurmHandle } from '../../src/backends/slurm/handle.js'
import { connectSlurm, type SlurmApi } from '../../src/backends/slurm/index.js'
import { launchChromium } from '../browser/chromium.js'
import { CookieClient, eventually } from '../harness.js'
import { robotToken } from '../robot-token.js'
import { RUN_SLURM, SLURM_SOCKET } from '../slurm/slurm-fixture.js'
import {
  cancelPortalJobs,
  freePort,
  liveJobsOf,
  portalMark,
  serveLabgate,
  startSlurmLabgate,
  storedSessions,
  tempDir,
  writeSlurmPortal,
  type InProcessLabgate,
  type ServedLabgate,
  type StoredSession,
} from '../slurm/slurm-labgate.js'

// JSON answers, read by path.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>

/** This file's portals: named after the process, so that no other test file's sweep takes their jobs. */
const LABS = `slurm-labs-${process.pid}`
const RESTART = `slurm-restart-${process.pid}`

/** The states of a session that has (or is getting) a sandbox. */
const LIVE_SESSION = ['STARTING', 'WAITING', 'RUNNING']

/** Requests a session of `environment` for `user` as the robot: its name and activation URL. */
async function requestSession(url: string, token: string, environment: string, user: string) {
  const res = await fetch(
    `${url}/workshops/environment/${environment}/request/?index_url=${encodeURIComponent(`${url}/healthz`)}&user=${user}`,
    { headers: { authorization: `Bearer ${token}` } },
  )
  expect(res.status).toBe(200)
  return (await res.json()) as { name: string; url: string }
}

/** The text on terminal 1's xterm.js screen, once it includes `text`. */
async function waitForScreen(page: Page, text: string, ms: number): Promise<string> {
  const rows = page.locator('.lg-pane[data-terminal="1"] .xterm-rows')
  const end = Date.now() + ms
  for (;;) {
    const s = await rows.innerText().catch(() => '')
    if (s.includes(text)) return s
    if (Date.now() > end) throw new Error(`the terminal never showed ${text}; it shows:\n${s}`)
    await page.waitForTimeout(100)
  }
}

/** Waits until Slurm reports every job of `ids` ended. */
async function jobsEnd(slurm: SlurmApi, ids: number[]): Promise<void> {
  await eventually(
    `jobs ${ids} to end`,
    async () => {
      const jobs = await Promise.all(ids.map((id) => slurm.job(id)))
      return jobs.every((j) => !j || !['PENDING', 'RUNNING', 'COMPLETING'].includes(j.state))
    },
    30_000,
  )
}

describe.skipIf(!RUN_SLURM)('labs on Slurm', () => {
  let slurm: SlurmApi
  let browser: Browser

  beforeAll(async () => {
    if (!SLURM_SOCKET)
      throw new Error('no Slurm cluster: run `eval "$(scripts/slurm-cluster.sh start)"` first')
    slurm = await connectSlurm({ socketPath: SLURM_SOCKET })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    if (slurm) {
      for (const portal of [LABS, RESTART]) await cancelPortalJobs(slurm, portal)
      slurm.close()
    }
  })

  describe('a portal whose sessions and jobs run on Slurm', () => {
    let lab: InProcessLabgate
    let token: string

    beforeAll(async () => {
      lab = await startSlurmLabgate({
        name: LABS,
        workshops: [{ name: 'shell', capacity: 2, reserved: 0, expires: '10m' }],
        contentFor: { shell: { '01-intro.md': '# On Slurm\n\nA shell in a batch job.\n' } },
        // *.localhost is the loopback address to Chromium: each job gets a host of its own
        workspaces: { domain: 'localhost' },
      })
      token = await lab.token()
    })
    afterAll(async () => lab?.close(slurm))

    it(
      'runs a dashboard terminal in Chromium in a session that is a Slurm job',
      { timeout: 90_000 },
      async () => {
        const { name, url } = await requestSession(lab.url, token, `${LABS}-w01`, 'learner-1')
        const page = await browser.newPage()
        try {
          await page.goto(`${lab.url}${url}`)
          expect(new URL(page.url()).pathname).toBe(`/sessions/${name}/`)
          await expect(page.locator('#lg-page h1').innerText()).resolves.toBe('On Slurm')
          await waitForScreen(page, '$', 60_000)
          await page.locator('.lg-pane[data-terminal="1"] .xterm').click()
          await page.keyboard.type('echo ready-$((6*7)) in $HOME\n')
          await waitForScreen(page, 'ready-42 in /home/lab', 15_000)
        } finally {
          await page.close()
        }

        // Slurm runs the session's job under its name, marked as the portal's.
        const session = (await lab.lg.deps.store.getSession(name))!
        expect(session).toMatchObject({ state: 'RUNNING', backend: 'slurm' })
        const handle = parseSlurmHandle(session.handle!)!
        expect(handle).toMatchObject({ backend: 'slurm', session: name })
        const jobs = (await slurm.jobs()).filter((j) => j.name === `labgate.${name}`)
        expect(jobs).toMatchObject([{ jobId: handle.job, state: 'RUNNING', comment: portalMark(LABS) }])

        // Terminated through the API: its job ends.
        const res = await fetch(`${lab.url}/workshops/session/${name}/terminate/`, {
          headers: { authorization: `Bearer ${token}` },
        })
        expect(res.status).toBe(200)
        await eventually(
          'the session stops',
          async () => (await lab.lg.deps.store.getSession(name))?.state === 'STOPPED',
          30_000,
        )
        await jobsEnd(slurm, [handle.job])
      },
    )

    it('opens a jupyter_lab job on Slurm in Chromium through the gateway', { timeout: 110_000 }, async () => {
      const exchange = await fetch(`${lab.url}/tokens/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_token: token,
          user_info: { username: 'ada', email: 'ada@example.org' },
        }),
      })
      const key = ((await exchange.json()) as { token: string }).token
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${lab.url}${path}`, {
          method,
          headers: { 'UWS-Authorization': `Token ${key}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        })
        return { status: res.status, body: (await res.json()) as Json }
      }
      const made = await call('POST', '/workspaces/', {
        name: 'on-slurm',
        description: 'a notebook server in a batch job',
        workspace_details: { files: [{ name: 'hello-slurm.txt', content: 'hi' }], symlinks: [] },
      })
      expect(made.status).toBe(200)
      const wsId = made.body.data.workspace.id as number
      const start = await call('PUT', `/workspaces/${wsId}/start/`, {
        job_type: 'jupyter_lab',
        job_details: {},
        resource_options: { num_cpus: 1, memory_mb: 1024, time_limit_minutes: 30, gpu_enabled: false },
      })
      expect(start.status).toBe(200)
      expect(start.body).toMatchObject({
        success: true,
        data: { job: { workspace_id: wsId, job_type: 'jupyter_lab' } },
      })
      const id = start.body.data.job.id as number
      const readJob = async () => (await call('GET', `/jobs/${id}/`)).body.data.jobs[0] as Json
      const ready = await eventually(
        'the web server',
        async () => {
          const job = await readJob()
          return job.job_details.current_job_details.message === 'Webserver ready.' ? job : null
        },
        60_000,
      )
      const details = ready.job_details.current_job_details
      expect(details.connection_details).toMatchObject({
        url_domain: expect.stringMatching(new RegExp(`^http://job-${id}\\.localhost:\\d+$`)),
        url_path: expect.stringMatching(
          new RegExp(`^/passthrough/${id}/tree\\?token=\\w+&labgate_ticket=[\\w-]+$`),
        ),
      })
      expect(details.time_left).toBeGreaterThan(25 * 60)
      expect(details.time_left).toBeLessThanOrEqual(30 * 60)

      // The API reports the Slurm job: its id, and running while Slurm runs it.
      expect(ready.status).toBe('running')
      const slurmJob = await slurm.job(ready.resource_job_id as number)
      expect(slurmJob).toMatchObject({ state: 'RUNNING', comment: portalMark(LABS) })
      expect(slurmJob!.name).toMatch(new RegExp(`^labgate\\.${LABS}-job${id}$`))
      const handle = parseSlurmHandle((await lab.lg.db.workspaces.getJob(id))!.handle!)!
      expect(ready.resource_job_id).toBe(handle.job)

      // Jupyter's own page, through the gateway (the ticket, then the job's cookie), lists the workspace.
      const context = await browser.newContext()
      try {
        const page = await context.newPage()
        const entry = await page.goto(
          details.connection_details.url_domain + details.connection_details.url_path,
        )
        expect(entry?.status()).toBe(200)
        const at = new URL(page.url())
        expect(at.hostname).toBe(`job-${id}.localhost`)
        expect(at.search).not.toContain('labgate_ticket')
        await page.waitForSelector('text=hello-slurm.txt', { timeout: 30_000 })
        expect(await page.title()).toMatch(/Jupyter|Home/)
      } finally {
        await context.close()
      }

      expect((await call('PUT', `/jobs/${id}/stop/`)).body.message).toBe('Job queued to stop.')
      await eventually('the job completes', async () => (await readJob()).status === 'complete', 30_000)
      await jobsEnd(slurm, [handle.job])
    })
  })

  describe('labgate serve killed while sessions run, then restarted', () => {
    let dir: string
    let served: ServedLabgate | undefined

    beforeAll(() => {
      dir = tempDir('labgate-slurm-restart-')
    })
    afterAll(async () => {
      await served?.kill('SIGTERM')
      if (slurm) await cancelPortalJobs(slurm, RESTART)
      if (dir) rmSync(dir, { recursive: true, force: true })
    })

    it(
      're-adopts the running sessions, cancels a stray job and orphans none',
      { timeout: 110_000 },
      async () => {
        const config = writeSlurmPortal(join(dir, 'config'), {
          name: RESTART,
          workshops: [{ name: 'shell', capacity: 3, reserved: 1, expires: '10m' }],
        })
        const data = join(dir, 'data')
        const port = await freePort()
        const options = { config, data, port }
        served = await serveLabgate(options)
        const url = served.url
        const sessions = () => storedSessions(data)
        /** The sessions with a sandbox, by name: their Slurm job ids. */
        const jobsOfSessions = () =>
          new Map(
            sessions().flatMap((s) =>
              LIVE_SESSION.includes(s.state) && s.handle ? [[s.name, s.handle.job!] as const] : [],
            ),
          )

        // Two learners' sessions RUNNING (and signed in to, as a browser is), a reserved one WAITING.
        const token = await robotToken(url)
        const learners: { name: string; url: string; cookies: string }[] = []
        for (const user of ['learner-2', 'learner-3']) {
          const requested = await requestSession(url, token, `${RESTART}-w01`, user)
          learners.push({ ...requested, cookies: await activate(url, requested.url) })
        }
        await eventually(
          "the learners' sessions running and a reserve waiting",
          async () => {
            const all = sessions()
            const up = (s: StoredSession) => s.handle !== null && ['RUNNING', 'WAITING'].includes(s.state)
            return (
              learners.every((l) => all.some((s) => s.name === l.name && s.state === 'RUNNING')) &&
              all.filter(up).length === 3
            )
          },
          60_000,
        )
        const before = jobsOfSessions()
        expect(before.size).toBe(3)
        for (const s of sessions().filter((s) => s.handle))
          expect(s.handle).toMatchObject({ backend: 'slurm', session: s.name })
        await eventually(
          "the sessions' jobs running",
          async () => {
            const jobs = await Promise.all([...before.values()].map((id) => slurm.job(id)))
            return jobs.every((j) => j?.state === 'RUNNING')
          },
          10_000,
        )

        await served.kill('SIGKILL')
        expect(served.child.signalCode).toBe('SIGKILL')
        // A job marked as the portal's that no session names: the next start's sweep must cancel it.
        const stray = await slurm.submit({
          name: 'labgate.stray',
          comment: portalMark(RESTART),
          script: '#!/bin/sh\nsleep 300\n',
          workDir: dir,
          output: '/dev/null',
          environment: { PATH: '/usr/bin:/bin' },
          timeLimitMinutes: 10,
        })
        await eventually(
          'the stray job running',
          async () => (await slurm.job(stray))?.state === 'RUNNING',
          20_000,
        )
        // labgate is gone; its sessions' jobs still run
        for (const job of before.values()) expect((await slurm.job(job))?.state).toBe('RUNNING')

        served = await serveLabgate(options)
        expect(served.url).toBe(url)
        await eventually(
          'the stray job cancelled',
          async () => {
            const j = await slurm.job(stray)
            return !j || j.state === 'CANCELLED'
          },
          30_000,
        )

        // The same sessions, in the same states, on the same jobs, still running.
        expect(jobsOfSessions()).toEqual(before)
        for (const l of learners) expect(sessions().find((s) => s.name === l.name)?.state).toBe('RUNNING')
        for (const job of before.values()) expect((await slurm.job(job))?.state).toBe('RUNNING')

        // The learners' terminals work (their agents reconnected to the new labgate).
        for (const l of learners) {
          const out = await eventually(
            `a terminal in ${l.name}`,
            () => terminalRun(url, l.name, l.cookies, 'echo again-$((6*7))\r', 'again-42'),
            30_000,
          )
          expect(out).toContain('again-42')
        }

        // Every live job of the portal is a session labgate knows (the stray one ended).
        const live = (await liveJobsOf(slurm, RESTART)).map((j) => j.jobId)
        const byNumber = (a: number, b: number) => a - b
        expect(live.sort(byNumber)).toEqual([...jobsOfSessions().values()].sort(byNumber))
        expect(live).not.toContain(stray)

        // Stopped, and the sessions' jobs cancelled: nothing of this portal left in Slurm.
        await served.kill('SIGTERM')
        served = undefined
        await cancelPortalJobs(slurm, RESTART)
        await jobsEnd(slurm, [...before.values(), stray])
        expect(await liveJobsOf(slurm, RESTART)).toEqual([])
      },
    )
  })
})

/** Follows an activation URL as a browser does (portal, dashboard, sign-in); returns the cookies. */
async function activate(url: string, activation: string): Promise<string> {
  const client = new CookieClient()
  let res = await client.get(`${url}${activation}`)
  for (let i = 0; i < 8 && (res.status === 302 || res.status === 303); i++)
    res = await client.get(new URL(res.headers.get('location')!, url).toString())
  expect(res.status).toBe(200)
  return [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
}

/**
 * Opens terminal 1 of `session` over the gateway's WebSocket, types `input` and resolves with the output
 * once it includes `expected` (null when the socket closes or 10 s pass first).
 */
function terminalRun(
  url: string,
  session: string,
  cookie: string,
  input: string,
  expected: string,
): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/sessions/${session}/terminal/1`, {
      headers: { cookie },
    })
    let out = ''
    const done = (v: string | null) => {
      clearTimeout(timer)
      ws.removeAllListeners()
      ws.on('error', () => {})
      ws.close()
      resolve(v)
    }
    const timer = setTimeout(() => done(null), 10_000)
    ws.on('open', () => ws.send(JSON.stringify({ t: 'i', d: input })))
    ws.on('message', (data, binary) => {
      if (!binary) return
      out += (data as Buffer).toString('utf8')
      if (out.includes(expected)) done(out)
    })
    ws.on('unexpected-response', () => done(null))
    ws.on('error', () => done(null))
    ws.on('close', () => done(null))
  })
}
