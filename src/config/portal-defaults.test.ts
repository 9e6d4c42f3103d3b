import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { loadConfig } from './load-config.js'
import type { LoadedConfig } from './types.js'

/**
 * Loads a portal with `spec` (its `workshops` default to one entry for `lab`) and a Workshop `lab` with
 * `workshopSpec`, written as YAML into `dir` (a fresh directory by default).
 */
async function load(
  spec: Record<string, unknown>,
  workshopSpec: Record<string, unknown> = {},
  dir?: string,
): Promise<LoadedConfig> {
  dir ??= await mkdtemp(path.join(tmpdir(), 'labgate-defaults-'))
  await mkdir(path.join(dir, 'lab'), { recursive: true })
  const resource = (kind: string, name: string, body: Record<string, unknown>) =>
    stringify({ apiVersion: 'training.educates.dev/v1beta1', kind, metadata: { name }, spec: body })
  await writeFile(
    path.join(dir, 'portal.yaml'),
    resource('TrainingPortal', 'portal', { workshops: [{ name: 'lab' }], ...spec }),
  )
  await writeFile(
    path.join(dir, 'lab', 'workshop.yaml'),
    resource('Workshop', 'lab', { title: 'Lab', ...workshopSpec }),
  )
  return loadConfig(dir)
}

/** The first resolved workshop of a portal with this entry (and `portal` settings), and the warnings. */
async function entry(
  fields: Record<string, unknown>,
  portal: Record<string, unknown> = {},
  workshopSpec = {},
  dir?: string,
) {
  const config = await load({ portal, workshops: [{ name: 'lab', ...fields }] }, workshopSpec, dir)
  const first = config.portal.workshops[0]
  if (!first) throw new Error('no workshop resolved')
  const warnings = config.warnings.map((w) => w.replace(/^.*?portal\.yaml:\d+: /, ''))
  return { ...first, warnings }
}

describe('portal session caps', () => {
  it('defaults every cap to 0 (unlimited)', async () => {
    const { portal } = await load({})
    expect([portal.maximum, portal.registered, portal.anonymous]).toEqual([0, 0, 0])
  })

  it('defaults the anonymous cap to the registered one, as Educates does', async () => {
    const { portal } = await load({ portal: { sessions: { registered: 2 } } })
    expect([portal.registered, portal.anonymous]).toEqual([2, 2])
    const other = await load({ portal: { sessions: { registered: 2, anonymous: 0 } } })
    expect(other.portal.anonymous).toBe(0)
  })

  it('defaults registration, catalog and robot as Educates does', async () => {
    const { portal } = await load({})
    expect(portal).toMatchObject({
      labels: {},
      registration: { type: 'one-step', enabled: true },
      catalogVisibility: 'private',
      robot: {},
    })
    expect(portal.index).toBeUndefined()
    expect(portal.webhookUrl).toBeUndefined()
    expect(portal.admin).toBeUndefined()
  })
})

describe('capacity', () => {
  it('is 0 (unlimited) with no setting and no portal maximum', async () => {
    expect((await entry({})).capacity).toBe(0)
  })

  it('defaults to the portal maximum', async () => {
    expect((await entry({}, { sessions: { maximum: 7 } })).capacity).toBe(7)
  })

  it('prefers the entry, then workshop.defaults, then the deprecated spec.portal.capacity, then the maximum', async () => {
    const portal = { sessions: { maximum: 9 }, capacity: 8, workshop: { defaults: { capacity: 6 } } }
    expect((await entry({ capacity: 4 }, portal)).capacity).toBe(4)
    expect((await entry({}, portal)).capacity).toBe(6)
    expect((await entry({}, { sessions: { maximum: 9 }, capacity: 8 })).capacity).toBe(8)
  })
})

describe('reserved and initial', () => {
  it('reserved defaults to 1 and initial to reserved', async () => {
    expect(await entry({ capacity: 5 })).toMatchObject({ reserved: 1, initial: 1, warnings: [] })
    expect(await entry({ capacity: 5, reserved: 3 })).toMatchObject({ reserved: 3, initial: 3 })
  })

  it('take workshop.defaults, then the deprecated spec.portal values', async () => {
    const portal = { reserved: 2, initial: 4, workshop: { defaults: { reserved: 3 } } }
    expect(await entry({ capacity: 10 }, portal)).toMatchObject({ reserved: 3, initial: 4 })
    expect(await entry({ capacity: 10 }, { reserved: 2 })).toMatchObject({ reserved: 2, initial: 2 })
  })

  it('are not clamped when capacity is 0 (unlimited)', async () => {
    expect(await entry({ reserved: 5, initial: 8 })).toMatchObject({
      capacity: 0,
      reserved: 5,
      initial: 8,
      warnings: [],
    })
  })

  it('reserved is clamped to capacity, with a warning naming where the value came from', async () => {
    const own = await entry({ capacity: 2, reserved: 5 })
    expect(own).toMatchObject({ reserved: 2, initial: 2 })
    expect(own.warnings).toEqual(['spec.workshops[0].reserved: 5 is more than capacity 2; using 2'])
    const inherited = await entry({ capacity: 2 }, { workshop: { defaults: { reserved: 4 } } })
    expect(inherited.reserved).toBe(2)
    expect(inherited.warnings).toEqual([
      'spec.workshops[0].reserved: 4 (from spec.portal.workshop.defaults.reserved) is more than capacity 2; using 2',
    ])
  })

  it('initial is clamped to capacity with a warning', async () => {
    const r = await entry({ capacity: 3, reserved: 1, initial: 5 })
    expect(r).toMatchObject({ reserved: 1, initial: 3 })
    expect(r.warnings).toEqual(['spec.workshops[0].initial: 5 is more than capacity 3; using 3'])
  })

  it('initial 0 stays 0 below reserved: no reserves until the first request', async () => {
    expect(await entry({ capacity: 3, reserved: 2, initial: 0 })).toMatchObject({
      reserved: 2,
      initial: 0,
      warnings: [],
    })
  })

  it('a non-zero initial below reserved is raised to reserved, with a warning', async () => {
    const r = await entry({ capacity: 5, reserved: 3, initial: 1 })
    expect(r.initial).toBe(3)
    expect(r.warnings).toEqual(['spec.workshops[0].initial: 1 is below reserved 3 (only 0 may be); using 3'])
  })

  it('initial may exceed reserved', async () => {
    expect(await entry({ capacity: 10, reserved: 1, initial: 4 })).toMatchObject({
      reserved: 1,
      initial: 4,
      warnings: [],
    })
  })
})

describe('expires, overtime, deadline, orphaned, overdue', () => {
  it('all default to 0 when nothing sets them and the workshop has no duration', async () => {
    expect(await entry({})).toMatchObject({ expires: 0, overtime: 0, deadline: 0, orphaned: 0, overdue: 0 })
  })

  it('expires defaults to the workshop duration', async () => {
    expect(await entry({}, {}, { duration: '45m' })).toMatchObject({ expires: 2700, deadline: 2700 })
  })

  it('expires from the entry or defaults wins over the duration; an explicit 0 means never', async () => {
    expect(
      (await entry({ expires: '10m' }, { workshop: { defaults: { expires: '20m' } } }, { duration: '1h' }))
        .expires,
    ).toBe(600)
    expect(
      (await entry({}, { workshop: { defaults: { expires: '20m' } } }, { duration: '1h' })).expires,
    ).toBe(1200)
    expect((await entry({}, { expires: '25m' }, { duration: '1h' })).expires).toBe(1500)
    expect((await entry({ expires: 0 }, {}, { duration: '1h' })).expires).toBe(0)
  })

  it('accepts durations as s, m, h suffixes, digit strings and numbers of seconds', async () => {
    const r = await entry({ expires: '2h', overtime: '90s', deadline: 10800, orphaned: '300', overdue: '5m' })
    expect(r).toMatchObject({ expires: 7200, overtime: 90, deadline: 10800, orphaned: 300, overdue: 300 })
  })

  it('deadline defaults to expires (not extendable), and 0 also means expires', async () => {
    expect(await entry({ expires: '30m' })).toMatchObject({ expires: 1800, deadline: 1800 })
    expect(await entry({ expires: '30m', deadline: 0 })).toMatchObject({ deadline: 1800, warnings: [] })
  })

  it('deadline below expires is raised to expires, with a warning', async () => {
    const r = await entry({ expires: '30m', deadline: '10m' })
    expect(r.deadline).toBe(1800)
    expect(r.warnings).toEqual([
      'spec.workshops[0].deadline: 600s is shorter than expires 1800s; using 1800s',
    ])
  })

  it('deadline is kept when the session never expires', async () => {
    expect(await entry({ deadline: '1h' })).toMatchObject({ expires: 0, deadline: 3600, warnings: [] })
  })

  it('each comes from the entry, then workshop.defaults (then spec.portal for orphaned and overdue)', async () => {
    const portal = {
      orphaned: '1m',
      overdue: '2m',
      workshop: { defaults: { expires: '1h', overtime: '10m', deadline: '2h', orphaned: '3m' } },
    }
    expect(await entry({}, portal)).toMatchObject({
      expires: 3600,
      overtime: 600,
      deadline: 7200,
      orphaned: 180,
      overdue: 120,
    })
    expect(
      await entry({ overtime: '5m', deadline: '3h', orphaned: '4m', overdue: '6m' }, portal),
    ).toMatchObject({
      overtime: 300,
      deadline: 10800,
      orphaned: 240,
      overdue: 360,
    })
  })
})

describe('labels, env and alias', () => {
  it('layers the entry labels over workshop.defaults labels, as a list or a map', async () => {
    const r = await entry(
      { labels: [{ name: 'level', value: 'hard' }, { name: 'new' }] },
      { workshop: { defaults: { labels: { level: 'easy', team: 'a' } } } },
    )
    expect(r.labels).toEqual({ level: 'hard', team: 'a', new: '' })
  })

  it("puts the entry's env first, then default env entries it does not override", async () => {
    const r = await entry(
      {
        env: [
          { name: 'B', value: 'entry' },
          { name: 'A', value: 'entry' },
        ],
      },
      {
        workshop: {
          defaults: {
            env: [
              { name: 'A', value: 'default' },
              { name: 'C', value: 'default' },
            ],
          },
        },
      },
    )
    expect(r.env).toEqual([
      { name: 'B', value: 'entry' },
      { name: 'A', value: 'entry' },
      { name: 'C', value: 'default' },
    ])
  })

  it('keeps the alias when given and leaves it out otherwise', async () => {
    expect((await entry({ alias: 'lab-101' })).alias).toBe('lab-101')
    expect('alias' in (await entry({}))).toBe(false)
  })
})

describe('definitionHash', () => {
  // The workshop's directory is part of the hash, so comparisons load from one directory.
  let dir = ''
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'labgate-hash-'))
  })

  it('is 16 hex digits, stable across loads and key order', async () => {
    const a = await entry(
      { capacity: 3, reserved: 1, expires: '10m', labels: { x: '1', y: '2' } },
      {},
      { description: 'd', vendor: 'v' },
      dir,
    )
    const b = await entry(
      { expires: '10m', labels: { y: '2', x: '1' }, reserved: 1, capacity: 3 },
      {},
      { vendor: 'v', description: 'd' },
      dir,
    )
    expect(a.definitionHash).toMatch(/^[0-9a-f]{16}$/)
    expect(b.definitionHash).toBe(a.definitionHash)
  })

  it('does not change when the same value is written differently', async () => {
    const a = await entry({ expires: '10m' }, {}, {}, dir)
    const b = await entry({ expires: 600 }, {}, {}, dir)
    expect(b.definitionHash).toBe(a.definitionHash)
  })

  it('changes when a setting, an inherited default or a workshop field changes', async () => {
    const base = (await entry({ capacity: 3 }, {}, {}, dir)).definitionHash
    expect((await entry({ capacity: 4 }, {}, {}, dir)).definitionHash).not.toBe(base)
    expect((await entry({ capacity: 3, overtime: '5m' }, {}, {}, dir)).definitionHash).not.toBe(base)
    expect(
      (await entry({ capacity: 3 }, { workshop: { defaults: { orphaned: '5m' } } }, {}, dir)).definitionHash,
    ).not.toBe(base)
    expect((await entry({ capacity: 3 }, {}, { title: 'Lab 2' }, dir)).definitionHash).not.toBe(base)
    expect(
      (await entry({ capacity: 3 }, {}, { session: { env: [{ name: 'A', value: 'b' }] } }, dir))
        .definitionHash,
    ).not.toBe(base)
  })

  it('differs between two entries of the same workshop', async () => {
    const config = await load({ workshops: [{ name: 'lab' }, { name: 'lab', alias: 'lab-b' }] })
    const [a, b] = config.portal.workshops
    expect(a?.definitionHash).not.toBe(b?.definitionHash)
  })
})

describe('workshops that mount workspaces', () => {
  it('keep no reserves, warning only when reserves were asked for', async () => {
    const asked = await entry({ reserved: 2, initial: 3 }, {}, { labgate: { workspace: true } })
    expect([asked.workshop.workspace, asked.reserved, asked.initial]).toEqual([true, 0, 0])
    expect(asked.warnings).toEqual([
      expect.stringContaining('reserved: 2 is ignored: a workshop that mounts workspaces keeps no reserves'),
    ])
    const defaulted = await entry({}, {}, { labgate: { workspace: true } })
    expect([defaulted.reserved, defaulted.initial, defaulted.warnings]).toEqual([0, 0, []])
  })

  it('default to no workspace, and warn of unknown labgate fields', async () => {
    const plain = await entry({})
    expect([plain.workshop.workspace, plain.reserved]).toEqual([false, 1])
    const config = await load({}, { labgate: { workspaces: true } })
    expect(config.warnings.join('\n')).toContain('unknown field "workspaces" ignored')
  })
})
