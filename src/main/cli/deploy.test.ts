import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { run } from './main.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labgate-deploy-'))
})
afterEach(() => vi.restoreAllMocks())

/** Runs the CLI with `args`, collecting stdout (console.log and direct writes), warnings and errors. */
async function cli(args: string[]) {
  const out: string[] = []
  const err: string[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk))
    return true
  })
  vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(`${m}\n`))
  vi.spyOn(console, 'warn').mockImplementation((m: string) => void err.push(m))
  vi.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m))
  const code = await run(args)
  return { code, out: out.join(''), err: err.join('\n') }
}

const objectsOf = (text: string) => [...parseAllDocuments(text)].map((d) => d.toJS() as Record<string, any>) // eslint-disable-line @typescript-eslint/no-explicit-any

describe('labgate deploy kubernetes', () => {
  it('prints the manifests as multi-document YAML on stdout', async () => {
    const { code, out, err } = await cli(['deploy', 'kubernetes'])
    expect(code).toBe(0)
    expect(err).toBe('')
    expect(out.startsWith('# labgate on Kubernetes')).toBe(true)
    expect(out).toContain('kubectl -n labgate create secret generic labgate-database --from-literal=url=')
    const objects = objectsOf(out)
    expect(objects.map((o) => o.kind)).toEqual([
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'ConfigMap',
      'Deployment',
      'Service',
      'Ingress',
      'PodDisruptionBudget',
    ])
    const deployment = objects[4]!
    expect(deployment.spec.replicas).toBe(3)
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example.org/labgate:0.1.0')
  })

  it('takes the namespace, image, host, replicas and portal from its flags and writes --out', async () => {
    const portal = join(dir, 'portal.yaml')
    const portalYaml = [
      'apiVersion: training.educates.dev/v1beta1',
      'kind: TrainingPortal',
      'metadata: {name: uni}',
      'spec:',
      '  labgate: {backend: kubernetes, gateway: {domain: labs.uni.example}}',
      '',
    ].join('\n')
    await writeFile(portal, portalYaml)
    const file = join(dir, 'out.yaml')
    const args = ['--namespace', 'labs', '--image', 'reg.uni.example/lg:1', '--host', 'labs.uni.example']
    const { code, out, err } = await cli([
      'deploy',
      'kubernetes',
      ...args,
      '--replicas',
      '5',
      '--config',
      portal,
      '--out',
      file,
    ])
    expect(code).toBe(0)
    expect(err).toBe('')
    expect(out).toBe(`wrote 8 objects to ${file}\n`)
    const objects = objectsOf(await readFile(file, 'utf8'))
    for (const o of objects) expect(o.metadata.namespace).toBe('labs')
    const byKind = Object.fromEntries(objects.map((o) => [o.kind, o]))
    expect(byKind.ConfigMap!.data['portal.yaml']).toBe(portalYaml)
    expect(byKind.Deployment!.spec.replicas).toBe(5)
    expect(byKind.Deployment!.spec.template.spec.containers[0].image).toBe('reg.uni.example/lg:1')
    expect(byKind.Deployment!.spec.template.spec.containers[0].args).toContain('https://labs.uni.example')
    expect(byKind.Ingress!.spec.rules.map((r: { host: string }) => r.host)).toEqual([
      'labs.uni.example',
      '*.labs.uni.example',
    ])
  })

  it.each([
    [['--host', 'https://labs.example.org'], 'host "https://labs.example.org" is not a DNS name'],
    [['--host', 'labs.example.org:443'], 'is not a DNS name'],
    [['--host', 'Labs.Example.org'], 'is not a DNS name'],
    [['--host', '*.example.org'], 'is not a DNS name'],
    [['--session-host', 'sessions.example.org'], 'is not a wildcard host such as *.labs.example.org'],
    [['--replicas', '0'], 'replicas must be a whole number from 1 to 1000, got 0'],
    [['--replicas=-2'], '--replicas must be a whole number of at least 1, got "-2"'],
    [['--replicas', 'three'], '--replicas must be a whole number of at least 1, got "three"'],
    [['--replicas', '1.5'], '--replicas must be a whole number of at least 1, got "1.5"'],
    [['--namespace', 'Labgate_Prod'], 'namespace "Labgate_Prod" is not a DNS label'],
    [['--image', 'has space:1'], 'is not an image reference'],
    [['--image', ''], 'is not an image reference'],
    [['--tls-secret', 'TLS!'], 'TLS secret name "TLS!" is not a DNS name'],
  ])('refuses %j with a clear error and exit code 1, printing nothing', async (flags, message) => {
    const { code, out, err } = await cli(['deploy', 'kubernetes', ...flags])
    expect(code).toBe(1)
    expect(out).toBe('')
    expect(err).toContain(`labgate: `)
    expect(err).toContain(message)
  })

  it('names every bad flag at once', async () => {
    const { code, err } = await cli(['deploy', 'kubernetes', '--host', 'x_y', '--replicas', '0'])
    expect(code).toBe(1)
    expect(err).toContain('host "x_y" is not a DNS name')
    expect(err).toContain('replicas must be a whole number from 1 to 1000, got 0')
  })

  it('answers an unknown flag, a missing value or a stray argument with the usage and exit code 2', async () => {
    for (const args of [['--replica', '3'], ['--host'], ['extra']]) {
      const { code, out, err } = await cli(['deploy', 'kubernetes', ...args])
      expect(code, args.join(' ')).toBe(2)
      expect(out).toBe('')
      expect(err).toContain('labgate deploy kubernetes [--namespace <ns>]')
    }
  })

  it('needs the kubernetes target', async () => {
    for (const args of [['deploy'], ['deploy', 'helm']]) {
      const { code, err } = await cli(args)
      expect(code).toBe(1)
      expect(err).toContain('deploy has one target, kubernetes')
    }
  })

  it('refuses a --config that is missing, a directory, not YAML, or holds no TrainingPortal', async () => {
    const notYaml = join(dir, 'broken.yaml')
    await writeFile(notYaml, 'kind: TrainingPortal\nspec: [unclosed\n')
    const noPortal = join(dir, 'workshop.yaml')
    await writeFile(
      noPortal,
      'apiVersion: training.educates.dev/v1beta1\nkind: Workshop\nmetadata: {name: w}\n',
    )
    const cases: Array<[string, string]> = [
      [join(dir, 'absent.yaml'), '--config: cannot read'],
      [dir, 'is a directory; give one YAML file'],
      [notYaml, 'the portal YAML is not valid YAML'],
      [noPortal, 'must hold one TrainingPortal (kind: TrainingPortal), found 0'],
    ]
    for (const [path, message] of cases) {
      const { code, out, err } = await cli(['deploy', 'kubernetes', '--config', path])
      expect(code, path).toBe(1)
      expect(out).toBe('')
      expect(err).toContain(message)
    }
  })

  it('warns when the portal serves sessions under another domain than the Ingress routes', async () => {
    const portal = join(dir, 'other-domain.yaml')
    await writeFile(portal, 'kind: TrainingPortal\nspec: {labgate: {gateway: {domain: elsewhere.example}}}\n')
    const { code, out, err } = await cli(['deploy', 'kubernetes', '--config', portal])
    expect(code).toBe(0)
    expect(objectsOf(out)).toHaveLength(8)
    expect(err).toContain(
      "warning: the portal's spec.labgate.gateway.domain is elsewhere.example but the Ingress routes *.labs.example.org",
    )
  })

  it('refuses an --out it cannot write', async () => {
    const { code, err } = await cli(['deploy', 'kubernetes', '--out', join(dir, 'no', 'such', 'dir.yaml')])
    expect(code).toBe(1)
    expect(err).toContain('--out: cannot write')
  })
})
