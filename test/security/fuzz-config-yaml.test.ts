/**
 * Property-based fuzzing of the TrainingPortal and Workshop readers (`loadConfig`): the sample portal's
 * documents with one value replaced by anything YAML can hold, a key removed or added, raw text damaged,
 * and arbitrary documents. Each load either gives a definition whose numbers are finite and in range, or
 * throws a `config_invalid` ConfigError whose every problem reads `file:line: path: message`; never
 * another exception.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { parse, stringify } from 'yaml'
import { afterAll, expect, it } from 'vitest'
import { ConfigError } from '../../src/config/config-error.js'
import { loadConfig } from '../../src/config/load-config.js'
import type { LoadedConfig } from '../../src/config/types.js'
import { LabgateError } from '../../src/domain/errors.js'
import { fuzzParams, hostile } from './fuzz-kit.js'

const dir = mkdtempSync(join(tmpdir(), 'labgate-fuzz-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SOURCES = [
  'examples/portal/portal.yaml',
  'examples/portal/workshops/shell-basics/workshop.yaml',
  'examples/portal/workshops/python-http-server/workshop.yaml',
]
/** The sample's documents as plain data. */
const base = (): unknown[] => SOURCES.map((f) => parse(readFileSync(f, 'utf8')) as unknown)

type Path = (string | number)[]

/** Every path to a value in `value` (maps and lists walked), the root excluded. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return []
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value)
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])])
}
const PATHS: [number, Path][] = base().flatMap((doc, i) => pathsOf(doc).map((p): [number, Path] => [i, p]))

/** Values YAML can hold that a reader might not expect where it looks. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  hostile,
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    2 ** 63,
    '10m',
    '-5m',
    '99999999999h',
    '1e309s',
    '512Mi',
    '1Ei',
    '-1Gi',
    'ftp://x/',
    'http://',
    'local',
    'fake',
    'kubernetes',
    'none',
    'host',
    [],
    {},
    [null],
    { name: null },
    [{ name: 'x', value: 1 }],
    [{ name: 1 }],
    { '': '' },
  ),
)

/** One edit of one document: set a path to a value, delete a key, or add an unknown key beside it. */
const edit = fc.tuple(
  fc.constantFrom(...PATHS),
  fc.constantFrom('set', 'set', 'set', 'delete', 'add'),
  anyValue,
  fc.string({ maxLength: 12 }),
)

/** Applies one edit; an edit whose path an earlier edit removed is left out. */
function applyEdit(
  docs: unknown[],
  [[doc, path], op, value, key]: [[number, Path], string, unknown, string],
) {
  let parent = docs[doc] as Record<string | number, unknown> | undefined
  for (const seg of path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return
    parent = parent[seg] as Record<string | number, unknown> | undefined
  }
  if (parent === null || typeof parent !== 'object') return
  const last = path[path.length - 1]!
  if (op === 'set') parent[last] = value
  else if (op === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1)
    else delete parent[last]
  } else if (!Array.isArray(parent)) parent[key] = value
}

/** Writes `text` to a fresh file and loads it; returns the config or the thrown value. */
async function load(text: string, n: number): Promise<{ ok: LoadedConfig } | { err: unknown; file: string }> {
  const file = join(dir, `case-${n}.yaml`)
  writeFileSync(file, text)
  try {
    return { ok: await loadConfig(file) }
  } catch (err) {
    return { err, file }
  } finally {
    rmSync(file, { force: true })
  }
}

/** The outcome is a sound definition or a ConfigError of located problems. */
function expectSound(r: Awaited<ReturnType<typeof load>>, what: string) {
  if ('ok' in r) {
    const p = r.ok.portal
    expect(typeof p.name, what).toBe('string')
    for (const n of [p.maximum, p.registered, p.anonymous, p.labgate.memoryLimit, p.labgate.pidsLimit])
      expect(Number.isFinite(n) && n >= 0, `${what}: ${n}`).toBe(true)
    for (const w of p.workshops) {
      for (const [k, n] of Object.entries({
        capacity: w.capacity,
        reserved: w.reserved,
        initial: w.initial,
        expires: w.expires,
        overtime: w.overtime,
        deadline: w.deadline,
        orphaned: w.orphaned,
      }))
        expect(Number.isSafeInteger(n) && n >= 0, `${what}: ${w.workshop.name}.${k} = ${n}`).toBe(true)
      expect(typeof w.workshop.title, what).toBe('string')
    }
    return
  }
  const { err, file } = r
  if (!(err instanceof ConfigError)) {
    throw new Error(`${what}: threw ${(err as Error)?.stack ?? String(err)}`)
  }
  expect(err).toBeInstanceOf(LabgateError)
  expect(err.code).toBe('config_invalid')
  expect(err.problems.length, what).toBeGreaterThan(0)
  for (const p of err.problems) {
    expect(p.startsWith(file), `${what}: ${p}`).toBe(true)
    expect(p.slice(file.length), `${what}: ${p}`).toMatch(/^(:\d+)?: \S.*/s)
  }
}

let n = 0

it('reads the sample with any one or two edits as a sound definition or located problems', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 2 }), async (edits) => {
      const docs = base()
      for (const e of edits) applyEdit(docs, e)
      const text = docs.map((d) => stringify(d)).join('---\n')
      const r = await load(text, n++)
      expectSound(r, JSON.stringify(edits).slice(0, 300))
      // a refused value edit is named: some problem carries a path or names an edited key
      if ('err' in r && edits.every(([, op]) => op === 'set')) {
        const problems = (r.err as ConfigError).problems.map((p) => p.slice(r.file.length))
        const keys = edits.flatMap(([[, path]]) => path.filter((k): k is string => typeof k === 'string'))
        expect(
          problems.some((p) => /^(:\d+)?: [^ ]+: /.test(p) || keys.some((k) => p.includes(k))),
          problems.join('\n'),
        ).toBe(true)
      }
    }),
    fuzzParams(300),
  )
})

it('reads damaged text and arbitrary documents as a definition or located problems', async () => {
  const text = SOURCES.map((f) => readFileSync(f, 'utf8')).join('---\n')
  const damaged = fc
    .tuple(
      fc.nat({ max: text.length }),
      fc.nat({ max: 20 }),
      fc.oneof(
        hostile,
        fc.constantFrom(
          '\t',
          ': ',
          '- ',
          '&a ',
          '*a',
          '!!binary ',
          '<<: *x',
          '{',
          '[',
          '"',
          "'",
          '\n  ',
          '---\n',
        ),
      ),
    )
    .map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut))
  const arbitrary = fc.oneof(fc.anything({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 })).map((v) => {
    try {
      return String(stringify(v) ?? '')
    } catch {
      return String(v)
    }
  })
  const bombs = fc.constantFrom(
    'a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: &d [*c, *c]\ne: &e [*d, *d]\nf: [*e, *e, *e, *e]\n',
    'apiVersion: training.educates.dev/v1beta1\nkind: TrainingPortal\nmetadata: &m\n  name: x\n  self: *m\n',
    'kind: TrainingPortal\nkind: Workshop\n',
    '\ufeff',
    '',
    '---\n---\n---\n',
    'apiVersion: training.educates.dev/v1beta1\nkind: Workshop\n',
    'apiVersion: training.educates.dev/v1beta1\nkind: TrainingPortal\nmetadata: {name: x}\nspec: {workshops: [{name: w}]}\n',
  )
  await fc.assert(
    fc.asyncProperty(fc.oneof(damaged, arbitrary, bombs), async (t) => {
      expectSound(await load(t, n++), JSON.stringify(t).slice(0, 300))
    }),
    fuzzParams(300),
  )
})

it('says why the portal or a workshop is missing when its document was skipped', async () => {
  for (const [doc, key, value] of [
    [0, 'apiVersion', 'training.educates.dev/v1'],
    [0, 'kind', 'TrainingPortals'],
    [1, 'apiVersion', 'v1'],
  ] as const) {
    const docs = base() as Record<string, unknown>[]
    docs[doc]![key] = value
    const r = await load(docs.map((d) => stringify(d)).join('---\n'), n++)
    expect('err' in r && r.err instanceof ConfigError).toBe(true)
    const problems = (r as { err: ConfigError }).err.problems
    expect(problems.some((p) => p.includes(JSON.stringify(value)) && p.endsWith('; skipped'))).toBe(true)
  }
})
