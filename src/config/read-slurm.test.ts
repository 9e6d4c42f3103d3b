import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ConfigError } from './config-error.js'
import { ConfigNode, type Findings } from './config-node.js'
import { loadConfig } from './load-config.js'
import { readLabgateSettings } from './read-labgate-settings.js'
import { DEFAULT_SLURM_START_TIMEOUT, DEFAULT_SLURM_TOKEN_ENV, readPlacement } from './read-slurm.js'
import { parseYamlFile } from './yaml-source.js'

/** The root of a YAML document, and what reading it reports. */
function root(value: Record<string, unknown>) {
  const findings: Findings = { errors: [], warnings: [] }
  const [doc] = parseYamlFile('portal.yaml', stringify(value)).documents
  return { node: ConfigNode.root(doc!, findings), ...findings }
}

/** `spec.labgate` of `labgate`: its settings and what was reported. */
function settingsOf(labgate: Record<string, unknown>) {
  const { node, errors, warnings } = root(labgate)
  return { settings: readLabgateSettings(node), errors, warnings }
}

/** `spec.labgate.slurm` read from `slurm` (with the slurm backend): the settings and what was reported. */
function slurmOf(slurm: Record<string, unknown>) {
  const { settings, errors, warnings } = settingsOf({ backend: 'slurm', slurm })
  return { slurm: settings.slurm, errors, warnings }
}

/** A placement read from `value`'s `backend` and `slurm` (as a workshop's or job type's). */
function placementOf(value: Record<string, unknown>) {
  const { node, errors, warnings } = root(value)
  return { placement: readPlacement(node.get('backend'), node.get('slurm')), errors, warnings }
}

describe('spec.labgate.slurm', () => {
  it('defaults everything but where slurmrestd is', () => {
    const { slurm, errors, warnings } = slurmOf({ socket: '/run/slurmrestd/slurmrestd.socket' })
    expect(errors).toEqual([])
    expect(warnings).toEqual([])
    expect(slurm).toEqual({
      socket: '/run/slurmrestd/slurmrestd.socket',
      tokenEnv: DEFAULT_SLURM_TOKEN_ENV,
      defaults: {},
      startTimeout: DEFAULT_SLURM_START_TIMEOUT,
    })
    expect(DEFAULT_SLURM_TOKEN_ENV).toBe('SLURM_JWT')
    expect(DEFAULT_SLURM_START_TIMEOUT).toBe(300)
  })

  it('reads every field', () => {
    const { slurm, errors } = slurmOf({
      url: 'https://slurm.example:6820',
      user: 'labgate',
      tokenEnv: 'MY_SLURM_TOKEN',
      partition: 'debug',
      account: 'lab.course-1',
      timeLimit: '2h',
      cpus: 4,
      memory: '4Gi',
      workDir: '/shared/labgate',
      agentUrl: 'wss://labgate.example/_labgate/agent/v1',
      startTimeout: '10m',
    })
    expect(errors).toEqual([])
    expect(slurm).toEqual({
      url: 'https://slurm.example:6820',
      user: 'labgate',
      tokenEnv: 'MY_SLURM_TOKEN',
      defaults: {
        partition: 'debug',
        account: 'lab.course-1',
        timeLimitMinutes: 120,
        cpusPerTask: 4,
        memoryPerNodeMb: 4096,
      },
      workDir: '/shared/labgate',
      agentUrl: 'wss://labgate.example/_labgate/agent/v1',
      startTimeout: 600,
    })
  })

  it('takes a ws:// agent URL without a path', () => {
    const { slurm, errors } = slurmOf({ socket: '/s', agentUrl: 'ws://10.0.0.5:8080' })
    expect(errors).toEqual([])
    expect(slurm?.agentUrl).toBe('ws://10.0.0.5:8080')
  })

  it('needs socket or url', () => {
    const { errors } = slurmOf({ partition: 'debug' })
    expect(errors.join('\n')).toMatch(/slurm: needs socket .* or url/)
  })

  it('takes socket or url, not both', () => {
    const { slurm, errors } = slurmOf({ socket: '/run/slurmrestd.socket', url: 'http://slurm.example:6820' })
    expect(errors.join('\n')).toMatch(/url: expected either socket or url, not both/)
    expect(slurm?.url).toBeUndefined()
  })

  it('wants an absolute socket path (and reports only that)', () => {
    const { slurm, errors } = slurmOf({ socket: 'run/slurmrestd.socket' })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/socket: expected an absolute path, got "run\/slurmrestd.socket"/)
    expect(slurm?.socket).toBeUndefined()
  })

  it('wants an http(s) url', () => {
    const { errors } = slurmOf({ url: 'ftp://slurm.example' })
    expect(errors.join('\n')).toMatch(/url: expected an absolute http\(s\) URL/)
  })

  it("wants tokenEnv to be a variable's name", () => {
    for (const tokenEnv of ['1ABC', 'SLURM-JWT', 'A B', '$SLURM_JWT', '']) {
      const { slurm, errors } = slurmOf({ url: 'http://slurm.example', tokenEnv })
      expect(errors.join('\n'), tokenEnv).toMatch(/tokenEnv: expected an environment variable's name/)
      expect(slurm?.tokenEnv).toBe(DEFAULT_SLURM_TOKEN_ENV)
    }
    expect(slurmOf({ url: 'http://slurm.example', tokenEnv: '_jwt2' }).slurm?.tokenEnv).toBe('_jwt2')
  })

  it('wants agentUrl to be a ws:// or wss:// URL', () => {
    for (const agentUrl of [
      'http://labgate.example/x',
      'labgate.example',
      'ws://',
      'ws:///path',
      'ws://a b',
    ]) {
      const { slurm, errors } = slurmOf({ socket: '/s', agentUrl })
      expect(errors.join('\n'), agentUrl).toMatch(/agentUrl: expected a ws:\/\/ or wss:\/\/ URL/)
      expect(slurm?.agentUrl, agentUrl).toBeUndefined()
    }
  })

  it('wants an absolute workDir', () => {
    const { slurm, errors } = slurmOf({ socket: '/s', workDir: 'shared' })
    expect(errors.join('\n')).toMatch(/workDir: expected an absolute path/)
    expect(slurm?.workDir).toBeUndefined()
  })

  it('validates partition and account names', () => {
    const { slurm, errors } = slurmOf({ socket: '/s', partition: 'gpu;rm -rf /', account: 'x'.repeat(65) })
    expect(errors.join('\n')).toMatch(/partition: expected a Slurm name/)
    expect(errors.join('\n')).toMatch(/account: expected a Slurm name/)
    expect(slurm?.defaults).toEqual({})
  })

  it.each([
    ['90s', 2],
    ['60s', 1],
    ['1s', 1],
    ['30m', 30],
    ['2h', 120],
    [3600, 60],
    ['61', 2],
  ])('takes a time limit of %s as %i minutes', (timeLimit, minutes) => {
    const { slurm, errors } = slurmOf({ socket: '/s', timeLimit })
    expect(errors).toEqual([])
    expect(slurm?.defaults.timeLimitMinutes).toBe(minutes)
  })

  it.each([
    ['1Gi', 1024],
    ['512Mi', 512],
    ['1M', 1],
    ['100M', 96],
    ['1', 1],
    [1024 ** 2 + 1, 2],
  ])('takes a memory of %s as %i MB', (memory, mb) => {
    const { slurm, errors } = slurmOf({ socket: '/s', memory })
    expect(errors).toEqual([])
    expect(slurm?.defaults.memoryPerNodeMb).toBe(mb)
  })

  it('reports bad durations, quantities, counts and unknown fields', () => {
    const { slurm, errors, warnings } = slurmOf({
      socket: '/s',
      timeLimit: 'forever',
      memory: 'lots',
      cpus: -1,
      startTimeout: '5 minutes',
      colour: 'blue',
    })
    expect(errors.join('\n')).toMatch(/timeLimit: expected a duration/)
    expect(errors.join('\n')).toMatch(/memory: expected/)
    expect(errors.join('\n')).toMatch(/cpus: expected a non-negative integer/)
    expect(errors.join('\n')).toMatch(/startTimeout: expected a duration/)
    expect(warnings.join('\n')).toMatch(/unknown field "colour"/)
    expect(slurm?.defaults).toEqual({})
    expect(slurm?.startTimeout).toBe(DEFAULT_SLURM_START_TIMEOUT)
  })

  it('is read beside another backend when given, and absent when not', () => {
    const given = settingsOf({ backend: 'local', slurm: { socket: '/s' } })
    expect(given.errors).toEqual([])
    expect(given.settings.slurm?.socket).toBe('/s')
    expect(settingsOf({ backend: 'local' }).settings.slurm).toBeUndefined()
  })

  it('is required by backend: slurm', () => {
    const { errors } = settingsOf({ backend: 'slurm' })
    expect(errors.join('\n')).toMatch(/backend: slurm needs spec\.labgate\.slurm/)
  })
})

describe('readPlacement', () => {
  it('is undefined without backend (the portal’s backend)', () => {
    expect(placementOf({})).toEqual({ placement: undefined, errors: [], warnings: [] })
  })

  it('reads backend: slurm alone, and with its block', () => {
    expect(placementOf({ backend: 'slurm' })).toEqual({
      placement: { backend: 'slurm' },
      errors: [],
      warnings: [],
    })
    const { placement, errors } = placementOf({
      backend: 'slurm',
      slurm: { partition: 'gpu', account: 'a1', timeLimit: '90s', cpus: 2, memory: '1500Mi' },
    })
    expect(errors).toEqual([])
    expect(placement).toEqual({
      backend: 'slurm',
      partition: 'gpu',
      account: 'a1',
      timeLimitMinutes: 2,
      cpusPerTask: 2,
      memoryPerNodeMb: 1500,
    })
  })

  it('takes no other backend', () => {
    for (const backend of ['local', 'kubernetes', 'fake']) {
      const { placement, errors } = placementOf({ backend })
      expect(placement).toBeUndefined()
      expect(errors.join('\n')).toMatch(/backend: expected slurm \(or nothing: the portal's backend\)/)
    }
  })

  it('reports a slurm block without backend: slurm', () => {
    const { placement, errors } = placementOf({ slurm: { partition: 'gpu' } })
    expect(placement).toBeUndefined()
    expect(errors.join('\n')).toMatch(/slurm: is used only with backend: slurm/)
  })

  it('takes only the fields of a job (not where slurmrestd is)', () => {
    const { placement, errors, warnings } = placementOf({
      backend: 'slurm',
      slurm: { socket: '/s', partition: 'bad name' },
    })
    expect(errors.join('\n')).toMatch(/partition: expected a Slurm name/)
    expect(warnings.join('\n')).toMatch(/unknown field "socket"/)
    expect(placement).toEqual({ backend: 'slurm' })
  })
})

describe('Slurm in a whole portal', () => {
  /** Loads a portal whose `spec.labgate` is `labgate` and its workshop `lab`, whose `spec.labgate` is `ws`. */
  async function load(labgate: Record<string, unknown>, ws: Record<string, unknown> = {}) {
    const dir = await mkdtemp(path.join(tmpdir(), 'labgate-slurm-config-'))
    await mkdir(path.join(dir, 'lab'))
    const resource = (kind: string, name: string, spec: Record<string, unknown>) =>
      stringify({ apiVersion: 'training.educates.dev/v1beta1', kind, metadata: { name }, spec })
    await writeFile(
      path.join(dir, 'portal.yaml'),
      resource('TrainingPortal', 'p', { workshops: [{ name: 'lab' }], labgate }),
    )
    await writeFile(
      path.join(dir, 'lab', 'workshop.yaml'),
      resource('Workshop', 'lab', { title: 'Lab', ...(Object.keys(ws).length > 0 && { labgate: ws }) }),
    )
    return loadConfig(dir)
  }

  async function problems(labgate: Record<string, unknown>, ws: Record<string, unknown> = {}) {
    const err = await load(labgate, ws).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    return (err as ConfigError).problems.join('\n')
  }

  const CLUSTER = { socket: '/run/slurmrestd.socket', partition: 'debug', timeLimit: '1h' }

  it('runs a workshop on Slurm with the portal’s cluster', async () => {
    const config = await load(
      { slurm: CLUSTER },
      { backend: 'slurm', slurm: { partition: 'gpu', memory: '2Gi' } },
    )
    expect(config.portal.labgate.backend).toBe('local')
    expect(config.portal.labgate.slurm).toEqual({
      socket: '/run/slurmrestd.socket',
      tokenEnv: 'SLURM_JWT',
      defaults: { partition: 'debug', timeLimitMinutes: 60 },
      startTimeout: 300,
    })
    const placement = { backend: 'slurm', partition: 'gpu', memoryPerNodeMb: 2048 }
    expect(config.workshops.get('lab')?.placement).toEqual(placement)
    expect(config.portal.workshops[0]?.workshop.placement).toEqual(placement)
  })

  it('leaves a workshop without backend on the portal’s backend', async () => {
    const config = await load({ slurm: CLUSTER })
    expect(config.workshops.get('lab')?.placement).toBeUndefined()
  })

  it('refuses a workshop on Slurm when the portal has no cluster, naming the fix', async () => {
    const text = await problems({}, { backend: 'slurm' })
    expect(text).toMatch(
      /Workshop "lab" runs on Slurm \(backend: slurm\): the portal needs spec\.labgate\.slurm/,
    )
  })

  it('refuses a workshop with backend: local', async () => {
    const text = await problems({ slurm: CLUSTER }, { backend: 'local' })
    expect(text).toMatch(/backend: expected slurm/)
  })

  it('refuses a workshop slurm block without backend: slurm', async () => {
    const text = await problems({ slurm: CLUSTER }, { slurm: { partition: 'gpu' } })
    expect(text).toMatch(/slurm: is used only with backend: slurm/)
  })

  it('refuses backend: slurm without the cluster', async () => {
    const text = await problems({ backend: 'slurm' })
    expect(text).toMatch(/slurm needs spec\.labgate\.slurm: where slurmrestd answers/)
  })

  it('takes backend: slurm with the cluster', async () => {
    const config = await load({ backend: 'slurm', slurm: { url: 'http://slurm.example:6820' } })
    expect(config.portal.labgate.backend).toBe('slurm')
    expect(config.portal.labgate.slurm?.url).toBe('http://slurm.example:6820')
  })

  const slurmJob = {
    id: 'gpu_batch',
    command: 'make all',
    port: null,
    backend: 'slurm',
    slurm: { partition: 'gpu', cpus: 8, timeLimit: '30m' },
  }

  it('refuses a job type on Slurm when the portal has no cluster', async () => {
    const text = await problems({ workspaces: { jobTypes: [slurmJob] } })
    expect(text).toMatch(/job types gpu_batch run on Slurm: the portal needs spec\.labgate\.slurm/)
  })

  it('runs a job type on Slurm with the cluster, and others on the portal’s backend', async () => {
    const config = await load({ slurm: CLUSTER, workspaces: { jobTypes: [slurmJob] } })
    const types = config.portal.labgate.workspaces?.jobTypes ?? []
    expect(types.find((t) => t.id === 'gpu_batch')?.placement).toEqual({
      backend: 'slurm',
      partition: 'gpu',
      cpusPerTask: 8,
      timeLimitMinutes: 30,
    })
    expect(types.filter((t) => t.placement).map((t) => t.id)).toEqual(['gpu_batch'])
  })

  it('runs every job type on Slurm on a portal whose backend is slurm, keeping their own blocks', async () => {
    const config = await load({ backend: 'slurm', slurm: CLUSTER, workspaces: { jobTypes: [slurmJob] } })
    const types = config.portal.labgate.workspaces?.jobTypes ?? []
    expect(types.find((t) => t.id === 'jupyter_lab')?.placement).toEqual({ backend: 'slurm' })
    expect(types.find((t) => t.id === 'gpu_batch')?.placement?.partition).toBe('gpu')
    expect(types.every((t) => t.placement?.backend === 'slurm')).toBe(true)
  })
})
