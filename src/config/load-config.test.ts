import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LabgateError } from '../domain/errors.js'
import { ConfigError, loadConfig } from './load-config.js'

/** Writes `files` (relative path → text) into a fresh temporary directory and returns it. */
async function writeTree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'labgate-config-'))
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true })
    await writeFile(path.join(dir, name), text)
  }
  return dir
}

/** The problems `loadConfig` reports for `files`; fails the test when it loads. */
async function problems(
  files: Record<string, string>,
): Promise<{ dir: string; problems: readonly string[] }> {
  const dir = await writeTree(files)
  const error = await loadConfig(dir).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ConfigError)
  return { dir, problems: (error as ConfigError).problems }
}

const lines = (...text: string[]) => text.map((t) => t.replace(/\n$/, '')).join('\n') + '\n'

const WORKSHOP = lines(
  'apiVersion: training.educates.dev/v1beta1',
  'kind: Workshop',
  'metadata:',
  '  name: lab-one',
  'spec:',
  '  title: Lab one',
)

const PORTAL = lines(
  'apiVersion: training.educates.dev/v1beta1',
  'kind: TrainingPortal',
  'metadata:',
  '  name: portal',
  'spec:',
  '  workshops:',
  '    - name: lab-one',
)

describe('loadConfig: formats and files', () => {
  it('loads a v1beta1 portal and workshop from one multi-document file', async () => {
    const dir = await writeTree({
      'all.yaml': lines(
        'apiVersion: training.educates.dev/v1beta1',
        'kind: TrainingPortal',
        'metadata:',
        '  name: my-portal',
        '  labels: {team: a}',
        'spec:',
        '  portal:',
        '    title: ignored by labgate',
        '    labels:',
        '      - name: event',
        '        value: summit',
        '      - name: bare',
        '    index: https://hub.example/labs',
        '    sessions: {maximum: 8, registered: 2, anonymous: 1}',
        '    registration: {type: anonymous, enabled: false}',
        '    catalog: {visibility: public}',
        '    credentials:',
        '      admin: {username: boss, password: s3cret}',
        '      robot: {username: robot, password: r0bot}',
        '    clients:',
        '      robot: {id: client-id, secret: client-secret}',
        '  analytics:',
        '    google: {trackingId: G-1}',
        '    webhook: {url: "https://hooks.example/educates"}',
        '  workshops:',
        '    - name: lab-one',
        '---',
        WORKSHOP,
      ),
    })
    const config = await loadConfig(path.join(dir, 'all.yaml'))
    expect(config.warnings).toEqual([])
    const { workshops, ...portal } = config.portal
    expect(portal).toEqual({
      name: 'my-portal',
      labels: { event: 'summit', bare: '' },
      maximum: 8,
      registered: 2,
      anonymous: 1,
      registration: { type: 'anonymous', enabled: false },
      catalogVisibility: 'public',
      index: 'https://hub.example/labs',
      robot: { username: 'robot', password: 'r0bot', clientId: 'client-id', clientSecret: 'client-secret' },
      admin: { username: 'boss', password: 's3cret' },
      webhookUrl: 'https://hooks.example/educates',
      labgate: {
        backend: 'local',
        allowedIndexOrigins: [],
        network: 'none',
        memoryLimit: 2 * 1024 ** 3,
        pidsLimit: 1024,
        cpuLimit: 1,
        retention: 86400,
        diskLimit: 10 * 2 ** 30,
        tmpSize: 2 ** 30,
        uidRange: { first: 200_000, count: 65_536 },
        lms: [],
        remoteLabs: [],
      },
      sourceFile: path.join(dir, 'all.yaml'),
    })
    expect(workshops.map((w) => w.workshop.name)).toEqual(['lab-one'])
    expect(config.workshops.get('lab-one')?.directory).toBe(dir)
  })

  it('loads the legacy training.eduk8s.io/v1alpha1 format with spec.portal capacity and reserved', async () => {
    const dir = await writeTree({
      'portal.yaml': lines(
        'apiVersion: training.eduk8s.io/v1alpha1',
        'kind: TrainingPortal',
        'metadata:',
        '  name: legacy',
        'spec:',
        '  portal:',
        '    capacity: 3',
        '    reserved: 2',
        '    initial: 3',
        '    expires: 20m',
        '    orphaned: 5m',
        '    registration: {type: one-step, enabled: false}',
        '  workshops:',
        '    - name: lab-markdown-sample',
        '---',
        'apiVersion: training.eduk8s.io/v1alpha1',
        'kind: Workshop',
        'metadata:',
        '  name: lab-markdown-sample',
        'spec:',
        '  vendor: eduk8s.io',
        '  title: Markdown Sample',
        '  content:',
        '    image: quay.io/eduk8s/lab-markdown-sample:master',
        '  session:',
        '    applications: {terminal: {enabled: true}}',
        '  environment:',
        '    objects: []',
      ),
    })
    const config = await loadConfig(dir)
    expect(config.warnings).toEqual([])
    expect(config.portal.registration).toEqual({ type: 'one-step', enabled: false })
    expect(config.portal.workshops[0]).toMatchObject({
      capacity: 3,
      reserved: 2,
      initial: 3,
      expires: 1200,
      deadline: 1200,
      orphaned: 300,
      workshop: { name: 'lab-markdown-sample', title: 'Markdown Sample', vendor: 'eduk8s.io' },
    })
  })

  it('reads every Workshop field, with defaults for the ones left out', async () => {
    const dir = await writeTree({
      'portal.yaml': PORTAL.replace('lab-one', 'full'),
      'workshops/full/resources/workshop.yaml': lines(
        'apiVersion: training.educates.dev/v1beta1',
        'kind: Workshop',
        'metadata:',
        '  name: full',
        'spec:',
        '  title: Full',
        '  description: Everything',
        '  vendor: acme',
        '  authors: [Ann, Bob]',
        '  difficulty: advanced',
        '  duration: 1h',
        '  tags: [a, b]',
        '  labels: {level: "3", kind: demo}',
        '  logo: data:image/png;base64,AAAA',
        '  url: https://example.com/full',
        '  session:',
        '    env:',
        '      - {name: PORT, value: 8080}',
        '      - {name: EMPTY}',
        '    ingresses:',
        '      - {name: app, port: 8080}',
        '      - {name: docs, port: 3000, protocol: http}',
        '  request:',
        '    parameters:',
        '      - {name: WORKSHOP_USERNAME, value: grumpy}',
        '      - {name: ACCESS_KEY, generate: expression, from: "[A-Z0-9]{12}"}',
        '      - {name: PLAIN}',
      ),
      'workshops/bare.yml': lines(
        'apiVersion: training.educates.dev/v1beta1',
        'kind: Workshop',
        'metadata:',
        '  name: bare',
      ),
    })
    const config = await loadConfig(dir)
    expect(config.warnings).toEqual([])
    const full = path.join(dir, 'workshops/full/resources/workshop.yaml')
    expect(config.workshops.get('full')).toEqual({
      name: 'full',
      title: 'Full',
      description: 'Everything',
      vendor: 'acme',
      authors: ['Ann', 'Bob'],
      difficulty: 'advanced',
      duration: 3600,
      tags: ['a', 'b'],
      labels: { level: '3', kind: 'demo' },
      logo: 'data:image/png;base64,AAAA',
      url: 'https://example.com/full',
      env: [
        { name: 'PORT', value: '8080' },
        { name: 'EMPTY', value: '' },
      ],
      requestParameters: [
        { name: 'WORKSHOP_USERNAME', value: 'grumpy' },
        { name: 'ACCESS_KEY', generate: { from: '[A-Z0-9]{12}' } },
        { name: 'PLAIN' },
      ],
      directory: path.dirname(full),
      sourceFile: full,
      ingresses: [
        { name: 'app', port: 8080 },
        { name: 'docs', port: 3000 },
      ],
      workspace: false,
    })
    // Not listed by the portal, still loaded; title defaults to the name.
    expect(config.workshops.get('bare')).toMatchObject({
      title: 'bare',
      description: '',
      authors: [],
      difficulty: '',
      duration: 0,
      labels: {},
      env: [],
      requestParameters: [],
      ingresses: [],
      workspace: false,
    })
  })

  it('loads every .yaml and .yml below a directory in sorted order, skipping other files and dot-directories', async () => {
    const dir = await writeTree({
      'b/portal.yml': PORTAL,
      'a/deep/er/workshop.YAML': WORKSHOP,
      'a/notes.md': '# not yaml: ignored',
      '.hidden/broken.yaml': 'this: [is not: valid',
      'z/values.json': '{}',
    })
    const seen: string[] = []
    const config = await loadConfig(dir, { log: (m) => seen.push(m) })
    expect(config.portal.workshops.map((w) => w.workshop.name)).toEqual(['lab-one'])
    expect(config.workshops.get('lab-one')?.directory).toBe(path.join(dir, 'a/deep/er'))
    expect(seen.filter((m) => m.includes(': read '))).toEqual([
      `config: read ${path.join(dir, 'a/deep/er/workshop.YAML')} (Workshop)`,
      `config: read ${path.join(dir, 'b/portal.yml')} (TrainingPortal)`,
    ])
    expect(seen.at(-1)).toBe('config: portal "portal" with 1 workshop(s)')
  })

  it('skips other kinds and apiVersions with a warning, and empty documents silently', async () => {
    const dir = await writeTree({
      'all.yaml': lines(
        PORTAL,
        '---',
        WORKSHOP,
        '---',
        '# only a comment',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: x}',
        '---',
        'apiVersion: training.educates.dev/v1',
        'kind: Workshop',
        'metadata: {name: future}',
        '---',
        '- just a list',
      ),
    })
    const file = path.join(dir, 'all.yaml')
    const config = await loadConfig(dir)
    expect(config.workshops.has('future')).toBe(false)
    expect(config.warnings).toEqual([
      `${file}:18: kind "ConfigMap" (apiVersion "v1") is not a TrainingPortal or Workshop; skipped`,
      `${file}:22: apiVersion: Workshop with apiVersion "training.educates.dev/v1" is not supported ` +
        '(expected training.educates.dev/v1beta1 or training.eduk8s.io/v1alpha1 or training.eduk8s.io/v1alpha2); skipped',
      `${file}:26: expected a Kubernetes resource (a map with apiVersion and kind), got a list; skipped`,
    ])
  })

  it('warns about unknown fields with their path and line, and accepts known Educates fields silently', async () => {
    const dir = await writeTree({
      'portal.yaml': lines(
        'apiVersion: training.educates.dev/v1beta1',
        'kind: TrainingPortal',
        'metadata:',
        '  name: portal',
        '  annotations: {a: b}',
        'spec:',
        '  portal:',
        '    theme: {name: dark}',
        '    ingress: {hostname: x}',
        '    sessions: {maximum: 2, burst: 1}',
        '    workshop:',
        '      defaults: {refresh: 1h, registry: {host: r}, colour: red}',
        '  workshops:',
        '    - name: lab-one',
        '      refresh: 2h',
        '      foo: 1',
        '  labgate:',
        '    sandbox: {gpu: 2}',
        'status:',
        '  educates: {phase: Running}',
      ),
      'workshop.yaml': lines(
        WORKSHOP,
        '  version: 1.0.0',
        '  workshop: {image: jdk17-environment:*}',
        '  publish: {image: x}',
        '  session:',
        '    namespaces: {budget: small}',
        '    applications: {console: {enabled: true}}',
        '    env:',
        '      - {name: A, value: b, valueFrom: {secretKeyRef: {}}}',
        '  request:',
        '    objects: []',
        '  tutorial: true',
      ),
    })
    const config = await loadConfig(dir)
    const portal = path.join(dir, 'portal.yaml')
    const workshop = path.join(dir, 'workshop.yaml')
    expect(config.warnings).toEqual([
      `${portal}:10: spec.portal.sessions: unknown field "burst" ignored`,
      `${portal}:12: spec.portal.workshop.defaults: unknown field "colour" ignored`,
      `${portal}:16: spec.workshops[0]: unknown field "foo" ignored`,
      `${portal}:18: spec.labgate.sandbox: unknown field "gpu" ignored`,
      `${workshop}:14: spec.session.env[0]: unknown field "valueFrom" ignored`,
      `${workshop}:17: spec: unknown field "tutorial" ignored`,
    ])
    // the session image, for a backend that runs images
    expect(config.portal.workshops[0]?.workshop.image).toBe('jdk17-environment:*')
    expect(config.portal.workshops[0]?.workshop).not.toHaveProperty('files')
  })

  it('reads spec.labgate, normalizing allowed index origins', async () => {
    const dir = await writeTree({
      'portal.yaml': lines(
        PORTAL,
        '  labgate:',
        '    backend: fake',
        '    index:',
        '      allowedOrigins: ["https://Hub.Example/path?q=1", "http://localhost:3000/", "https://hub.example"]',
        '    sandbox: {network: host, memory: 1Gi, pids: 128, cpu: 0.5, disk: 2Gi, tmp: 0, uids: {first: 300000, count: 100}}',
        '    sessions: {retention: 2h}',
      ),
      'workshop.yaml': WORKSHOP,
    })
    const { portal, warnings } = await loadConfig(dir)
    expect(warnings).toEqual([
      expect.stringContaining("network: host shares the host's network and loopback with every session"),
    ])
    expect(portal.labgate).toEqual({
      backend: 'fake',
      allowedIndexOrigins: ['https://hub.example', 'http://localhost:3000'],
      network: 'host',
      memoryLimit: 2 ** 30,
      pidsLimit: 128,
      cpuLimit: 0.5,
      retention: 7200,
      diskLimit: 2 * 2 ** 30,
      tmpSize: 0,
      uidRange: { first: 300_000, count: 100 },
      lms: [],
      remoteLabs: [],
    })
  })

  it('accepts the same workshop twice under different aliases', async () => {
    const dir = await writeTree({
      'portal.yaml': lines(PORTAL, '    - name: lab-one', '      alias: lab-one-again', '      capacity: 4'),
      'workshop.yaml': WORKSHOP,
    })
    const { portal } = await loadConfig(dir)
    expect(portal.workshops.map((w) => [w.workshop.name, w.alias, w.capacity])).toEqual([
      ['lab-one', undefined, 0],
      ['lab-one', 'lab-one-again', 4],
    ])
    expect('alias' in (portal.workshops[0] ?? {})).toBe(false)
  })
})

describe('loadConfig: errors', () => {
  it('is a LabgateError with code config_invalid that lists every problem', async () => {
    const dir = await writeTree({ 'workshop.yaml': WORKSHOP })
    const error = await loadConfig(dir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LabgateError)
    expect(error).toMatchObject({ code: 'config_invalid', name: 'ConfigError' })
    expect((error as ConfigError).problems).toEqual([
      `${dir}: no TrainingPortal found; exactly one is required`,
    ])
    expect((error as ConfigError).message).toBe((error as ConfigError).problems.join('\n'))
  })

  it('reports two portals, pointing at both', async () => {
    const { dir, problems: found } = await problems({
      'a.yaml': PORTAL,
      'b.yaml': PORTAL.replace('name: portal', 'name: other'),
      'workshop.yaml': WORKSHOP,
    })
    expect(found).toEqual([
      `${path.join(dir, 'b.yaml')}:4: metadata.name: a second TrainingPortal ("portal" is at ${path.join(dir, 'a.yaml')}:4); ` +
        'labgate serves exactly one portal per --config',
    ])
  })

  it('reports a portal entry whose Workshop is not defined', async () => {
    const { dir, problems: found } = await problems({
      'portal.yaml': lines(PORTAL, '    - name: lab-two'),
      'workshop.yaml': WORKSHOP,
    })
    expect(found).toEqual([
      `${path.join(dir, 'portal.yaml')}:8: spec.workshops[1].name: no Workshop named "lab-two" was found in ${dir}`,
    ])
  })

  it('reports a Workshop defined twice and a workshop listed twice without an alias', async () => {
    const { dir, problems: found } = await problems({
      'portal.yaml': lines(PORTAL, '    - name: lab-one'),
      'a.yaml': WORKSHOP,
      'b.yaml': WORKSHOP,
    })
    expect(found).toEqual([
      `${path.join(dir, 'b.yaml')}:4: metadata.name: Workshop "lab-one" is already defined at ${path.join(dir, 'a.yaml')}:4`,
      `${path.join(dir, 'portal.yaml')}:8: spec.workshops[1].name: "lab-one" is already listed at spec.workshops[0]; ` +
        'give one of them a different alias',
    ])
  })

  it('reports YAML syntax errors with file, line and the reason', async () => {
    const { dir, problems: found } = await problems({
      'portal.yaml': PORTAL,
      'workshop.yaml': lines(
        'apiVersion: training.educates.dev/v1beta1',
        'kind: Workshop',
        'metadata:',
        '  name: [lab-one',
      ),
      'dup.yaml': lines('kind: Workshop', 'kind: Workshop'),
    })
    expect(found).toEqual([
      expect.stringMatching(
        new RegExp(`^${path.join(dir, 'dup.yaml')}:2: YAML syntax error: Map keys must be unique`),
      ),
      expect.stringMatching(new RegExp(`^${path.join(dir, 'workshop.yaml')}:\\d+: YAML syntax error: \\S.+`)),
    ])
  })

  it('reports a path that does not exist, and a directory without YAML', async () => {
    await expect(loadConfig('/nonexistent/labgate-config')).rejects.toThrow(
      '/nonexistent/labgate-config: no such file or directory',
    )
    const dir = await writeTree({ 'README.md': '# nothing' })
    await expect(loadConfig(dir)).rejects.toThrow(`${dir}: no .yaml or .yml files found in this directory`)
  })

  it('collects every invalid value of a file, in line order, each with its path, line and what is expected', async () => {
    const { dir, problems: found } = await problems({
      'portal.yaml': lines(
        'apiVersion: training.educates.dev/v1beta1', // 1
        'kind: TrainingPortal',
        'metadata:',
        '  name: My_Portal', // 4
        'spec:',
        '  portal:',
        '    labels: 7', // 7
        '    index: ftp://files.example', // 8
        '    sessions: {maximum: -1, registered: 1.5, anonymous: "2"}', // 9
        '    registration: {type: two-step, enabled: "yes"}', // 10
        '    catalog: {visibility: secret}', // 11
        '    credentials: {robot: {username: "", password: 7}}', // 12
        '    workshop:',
        '      defaults: {expires: 1h30m, overtime: -5m}', // 14
        '  analytics: {webhook: {url: not a url}}', // 15
        '  workshops:',
        '    - name: lab-one',
        '      capacity: ten', // 18
        '      reserved: -1', // 19
        '      deadline: 10 minutes', // 20
        '      labels: [{value: x}]', // 21
        '      env: [{name: 9LIVES, value: x}, {name: OK, value: [1]}]', // 22
        '    - name: Lab-Two', // 23
        '    - alias: bad_alias', // 24
        '      name: lab-one',
        '    - capacity: 1', // 26
        '  labgate:',
        '    backend: docker', // 28
        '    index: {allowedOrigins: ["javascript:alert(1)", 5]}', // 29
        '    sandbox: {network: bridge, memory: lots, pids: many}', // 30
        '    sessions: {retention: forever}', // 31
      ),
      'workshop.yaml': WORKSHOP,
    })
    const at = (line: number, rest: string) => `${path.join(dir, 'portal.yaml')}:${line}: ${rest}`
    expect(found).toEqual([
      at(
        4,
        'metadata.name: expected a name of lower-case letters, digits and inner dashes, at most 63 characters, got "My_Portal"',
      ),
      at(7, 'spec.portal.labels: expected a list of {name, value} or a map, got 7'),
      at(8, 'spec.portal.index: expected an absolute http(s) URL, got "ftp://files.example"'),
      at(9, 'spec.portal.sessions.maximum: expected a non-negative integer, got -1'),
      at(9, 'spec.portal.sessions.registered: expected a non-negative integer, got 1.5'),
      at(9, 'spec.portal.sessions.anonymous: expected a non-negative integer, got "2"'),
      at(10, 'spec.portal.registration.type: expected one of "one-step", "anonymous", got "two-step"'),
      at(10, 'spec.portal.registration.enabled: expected true or false, got "yes"'),
      at(11, 'spec.portal.catalog.visibility: expected one of "private", "public", got "secret"'),
      at(
        12,
        'spec.portal.credentials.robot.username: must not be empty (leave it out to have one generated)',
      ),
      at(12, 'spec.portal.credentials.robot.password: expected a string, got 7'),
      at(
        14,
        'spec.portal.workshop.defaults.expires: expected a duration like "90s", "30m", "2h" or whole seconds, got "1h30m"',
      ),
      at(
        14,
        'spec.portal.workshop.defaults.overtime: expected a duration like "90s", "30m", "2h" or whole seconds, got "-5m"',
      ),
      at(15, 'spec.analytics.webhook.url: expected an absolute http(s) URL, got "not a url"'),
      at(18, 'spec.workshops[0].capacity: expected a non-negative integer, got "ten"'),
      at(19, 'spec.workshops[0].reserved: expected a non-negative integer, got -1'),
      at(
        20,
        'spec.workshops[0].deadline: expected a duration like "90s", "30m", "2h" or whole seconds, got "10 minutes"',
      ),
      at(21, 'spec.workshops[0].labels[0].name: is required'),
      at(
        22,
        'spec.workshops[0].env[0].name: expected a variable name matching ^[A-Za-z_][A-Za-z0-9_]*$, got "9LIVES"',
      ),
      at(22, 'spec.workshops[0].env[1].value: expected a string, got a list'),
      at(
        23,
        'spec.workshops[1].name: expected a name of lower-case letters, digits and inner dashes, at most 63 characters, got "Lab-Two"',
      ),
      at(
        24,
        'spec.workshops[2].alias: expected a name of lower-case letters, digits and inner dashes, at most 63 characters, got "bad_alias"',
      ),
      at(26, 'spec.workshops[3].name: is required'),
      at(28, 'spec.labgate.backend: expected one of "local", "fake", "kubernetes", "slurm", got "docker"'),
      at(
        29,
        'spec.labgate.index.allowedOrigins[0]: expected an http(s) URL such as "https://hub.example", got "javascript:alert(1)"',
      ),
      at(29, 'spec.labgate.index.allowedOrigins[1]: expected a string, got 5'),
      at(30, 'spec.labgate.sandbox.network: expected one of "none", "host", got "bridge"'),
      at(
        30,
        'spec.labgate.sandbox.memory: expected a memory size like "512Mi", "1Gi", "100M" or bytes, got "lots"',
      ),
      at(30, 'spec.labgate.sandbox.pids: expected a non-negative integer, got "many"'),
      at(
        31,
        'spec.labgate.sessions.retention: expected a duration like "90s", "30m", "2h" or whole seconds, got "forever"',
      ),
    ])
  })

  it('reports invalid Workshop values: names, difficulty, duration, env and request parameters', async () => {
    const { dir, problems: found } = await problems({
      'portal.yaml': PORTAL,
      'workshop.yaml': lines(
        'apiVersion: training.educates.dev/v1beta1', // 1
        'kind: Workshop',
        'metadata:',
        '  name: lab-one',
        'spec:',
        '  title: [not, a, string]', // 6
        '  difficulty: easy', // 7
        '  duration: 5 min', // 8
        '  authors: Ann', // 9
        '  tags: [a, {b: c}]', // 10
        '  session:',
        '    env: [{name: A}, {name: A}]', // 12
        '  request:',
        '    parameters:',
        '      - {name: ok-not, value: x}', // 15
        '      - {name: KEY, generate: expression, from: "a.*"}', // 16
        '      - {name: GEN, generate: expression}', // 17
        '      - {name: BOTH, value: x, generate: expression, from: "[a-z]{3}"}', // 18
        '      - {name: HOW, generate: magic, from: "[a-z]"}', // 19
        '      - {name: ORPHAN, from: "[a-z]"}', // 20
        '      - {name: KEY}', // 21
        '      - {value: nameless}', // 22
        '---',
        'apiVersion: training.educates.dev/v1beta1', // 24
        'kind: Workshop',
        'metadata: {name: x.y}', // 26
      ),
    })
    const at = (line: number, rest: string) => `${path.join(dir, 'workshop.yaml')}:${line}: ${rest}`
    expect(found).toEqual([
      at(6, 'spec.title: expected a string, got a list'),
      at(7, 'spec.difficulty: expected one of "beginner", "intermediate", "advanced", "extreme", got "easy"'),
      at(8, 'spec.duration: expected a duration like "90s", "30m", "2h" or whole seconds, got "5 min"'),
      at(9, 'spec.authors: expected a list, got "Ann"'),
      at(10, 'spec.tags[1]: expected a string, got a map'),
      at(12, 'spec.session.env[1].name: variable "A" is given twice'),
      at(
        15,
        'spec.request.parameters[0].name: expected a variable name matching ^[A-Za-z_][A-Za-z0-9_]*$, got "ok-not"',
      ),
      at(
        16,
        `spec.request.parameters[1].from: Unsupported generate pattern "a.*" at 1: unsupported '.' (escape it with a ` +
          'backslash for a literal); expected literals, classes like [A-Z0-9], \\d, \\w and {n} or {n,m}',
      ),
      at(
        17,
        'spec.request.parameters[2].from: is required with generate: expression (a pattern such as "[A-Z0-9]{12}")',
      ),
      at(18, 'spec.request.parameters[3]: give either a value or generate: expression, not both'),
      at(19, 'spec.request.parameters[4].generate: expected one of "expression", got "magic"'),
      at(20, 'spec.request.parameters[5].from: only means something with generate: expression'),
      at(21, 'spec.request.parameters[6].name: parameter "KEY" is declared twice'),
      at(22, 'spec.request.parameters[7].name: is required'),
      at(
        26,
        'metadata.name: expected a name of lower-case letters, digits and inner dashes, at most 63 characters, got "x.y"',
      ),
    ])
  })

  it('reports invalid ingresses: names, ports, protocols and duplicates; warns about other Educates fields', async () => {
    const { dir, problems: found } = await problems({
      'portal.yaml': PORTAL,
      'workshop.yaml': lines(
        'apiVersion: training.educates.dev/v1beta1', // 1
        'kind: Workshop',
        'metadata:',
        '  name: lab-one',
        'spec:',
        '  session:',
        '    ingresses:',
        '      - {name: app, port: 8000}', // 8
        '      - {name: App_2, port: 8001}', // 9
        '      - {name: zero, port: 0}', // 10
        '      - {name: big, port: 65536}', // 11
        '      - {name: text, port: "8080"}', // 12
        '      - {name: tls, port: 8443, protocol: https}', // 13
        '      - {name: app, port: 9000}', // 14
        '      - {port: 9001}', // 15
        '      - {name: noport}', // 16
        '      - {name: extra, port: 7000, host: db}', // 17
        '      - just-a-string', // 18
      ),
    })
    const at = (line: number, rest: string) => `${path.join(dir, 'workshop.yaml')}:${line}: ${rest}`
    expect(found).toEqual([
      at(
        9,
        'spec.session.ingresses[1].name: expected a name of lower-case letters, digits and inner dashes, at most 63 characters, got "App_2"',
      ),
      at(10, 'spec.session.ingresses[2].port: expected a port number from 1 to 65535, got 0'),
      at(11, 'spec.session.ingresses[3].port: expected a port number from 1 to 65535, got 65536'),
      at(12, 'spec.session.ingresses[4].port: expected a port number from 1 to 65535, got "8080"'),
      at(13, 'spec.session.ingresses[5].protocol: expected one of "http", got "https"'),
      at(14, 'spec.session.ingresses[6].name: ingress "app" is declared twice'),
      at(15, 'spec.session.ingresses[7].name: is required'),
      at(16, 'spec.session.ingresses[8].port: is required'),
      at(18, 'spec.session.ingresses[10]: expected a map, got "just-a-string"'),
    ])
  })

  it('reads ingresses and warns about the Educates fields labgate does not use', async () => {
    const dir = await writeTree({
      'portal.yaml': PORTAL,
      'workshop.yaml': lines(
        'apiVersion: training.educates.dev/v1beta1',
        'kind: Workshop',
        'metadata:',
        '  name: lab-one',
        'spec:',
        '  session:',
        '    ingresses:',
        '      - {name: app, port: 8000}',
        '      - {name: db-admin, port: 7000, host: db, protocol: http}', // 9
      ),
    })
    const config = await loadConfig(dir)
    expect(config.workshops.get('lab-one')?.ingresses).toEqual([
      { name: 'app', port: 8000 },
      { name: 'db-admin', port: 7000 },
    ])
    expect(config.warnings).toEqual([
      `${path.join(dir, 'workshop.yaml')}:9: spec.session.ingresses[1]: unknown field "host" ignored`,
    ])
  })

  it('rejects names longer than 63 characters and a resource without metadata', async () => {
    const long = 'a'.repeat(64)
    const { dir, problems: found } = await problems({
      'portal.yaml': PORTAL,
      'workshop.yaml': lines(
        WORKSHOP,
        '---',
        WORKSHOP.replace('lab-one', long),
        '---',
        'apiVersion: training.educates.dev/v1beta1',
        'kind: Workshop',
      ),
    })
    const file = path.join(dir, 'workshop.yaml')
    expect(found).toEqual([
      `${file}:11: metadata.name: expected a name of lower-case letters, digits and inner dashes, at most 63 characters, got "${'a'.repeat(57)}..."`,
      `${file}:15: metadata: is required (with a name)`,
    ])
  })
})
