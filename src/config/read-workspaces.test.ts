import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ConfigError } from './config-error.js'
import { builtInJobTypes } from './job-types.js'
import { loadConfig } from './load-config.js'

/** Loads a portal whose `spec.labgate` is `labgate`, with one workshop. */
async function load(labgate: Record<string, unknown>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'labgate-ws-config-'))
  await mkdir(path.join(dir, 'lab'))
  const resource = (kind: string, name: string, spec: Record<string, unknown>) =>
    stringify({ apiVersion: 'training.educates.dev/v1beta1', kind, metadata: { name }, spec })
  await writeFile(
    path.join(dir, 'portal.yaml'),
    resource('TrainingPortal', 'p', { workshops: [{ name: 'lab' }], labgate }),
  )
  await writeFile(path.join(dir, 'lab', 'workshop.yaml'), resource('Workshop', 'lab', { title: 'Lab' }))
  return loadConfig(dir)
}

describe('spec.labgate.workspaces', () => {
  it('is off when absent', async () => {
    expect((await load({})).portal.labgate.workspaces).toBeUndefined()
  })

  it('takes defaults, the built-in job types and the gateway domain', async () => {
    const ws = (await load({ gateway: { domain: 'labs.example' }, workspaces: {} })).portal.labgate.workspaces
    expect(ws).toMatchObject({
      dataRoots: [],
      quota: { bytes: 10 * 2 ** 30, files: 100_000 },
      uploadLimit: 100 * 2 ** 20,
      tokenLifetime: 30 * 24 * 3600,
      domain: 'labs.example',
    })
    expect(ws?.jobTypes.map((t) => t.id)).toEqual(['jupyter_lab', 'local_test'])
    expect(ws?.parameters.map((p) => p.variable_name)).toEqual([
      'num_cpus',
      'memory_mb',
      'time_limit_minutes',
      'gpu_enabled',
    ])
  })

  it('reads roots, quota and job types, replacing a built-in by id', async () => {
    const ws = (
      await load({
        workspaces: {
          root: '/srv/ws/',
          dataRoots: ['/srv/data'],
          quota: { bytes: '1Gi', files: 10 },
          jobTypes: [
            { id: 'batch', name: 'Batch', command: 'make all', port: null },
            {
              id: 'local_test',
              command: ['python3', '-m', 'http.server', '8000'],
              port: 8000,
              urlPath: '/x',
            },
          ],
        },
      })
    ).portal.labgate.workspaces
    expect(ws?.root).toBe('/srv/ws')
    expect(ws?.dataRoots).toEqual(['/srv/data'])
    expect(ws?.quota).toEqual({ bytes: 2 ** 30, files: 10 })
    expect(ws?.jobTypes.find((t) => t.id === 'batch')).toMatchObject({
      command: ['/bin/sh', '-c', 'make all'],
      port: null,
    })
    expect(ws?.jobTypes.find((t) => t.id === 'local_test')).toMatchObject({ port: 8000, urlPath: 'x' })
    expect(ws?.jobTypes).toHaveLength(3)
  })

  it('refuses relative roots, bad ids and ports, naming the field', async () => {
    for (const [workspaces, words] of [
      [{ dataRoots: ['data'] }, 'absolute path'],
      [{ jobTypes: [{ id: 'Bad-Id', command: 'x' }] }, 'job type id'],
      [{ jobTypes: [{ id: 'a', command: 'x', port: 70000 }] }, 'port between 1 and 65535'],
      [{ jobTypes: [{ id: 'a' }] }, 'the program to run'],
    ] as const) {
      const err = await load({ workspaces }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConfigError)
      expect(String((err as Error).message)).toContain(words)
    }
  })

  it('runs the classic notebook where JupyterLab is missing, with a tree URL', () => {
    expect(builtInJobTypes(false)[0]).toMatchObject({ urlPath: 'tree?token={token}' })
    expect(builtInJobTypes(false)[0]?.command[2]).toContain('jupyter-notebook')
    expect(builtInJobTypes(true)[0]).toMatchObject({ urlPath: 'lab?token={token}' })
  })
})
