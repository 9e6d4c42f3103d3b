import { describe, expect, it } from 'vitest'
import { ConfigNode, type Findings } from './config-node.js'
import { readLabgateSettings } from './read-labgate-settings.js'
import { DEFAULT_SESSION_IMAGE } from './read-kubernetes.js'
import { parseYamlFile } from './yaml-source.js'

/** `spec.labgate` read from YAML text: the settings and what was reported. */
function read(text: string) {
  const findings: Findings = { errors: [], warnings: [] }
  const [doc] = parseYamlFile('portal.yaml', text).documents
  const settings = readLabgateSettings(ConfigNode.root(doc!, findings))
  return { settings, ...findings }
}

describe('spec.labgate.kubernetes', () => {
  it('defaults everything with backend: kubernetes', () => {
    const { settings, errors } = read('backend: kubernetes\n')
    expect(errors).toEqual([])
    expect(settings.backend).toBe('kubernetes')
    expect(settings.kubernetes).toEqual({
      namespace: 'labgate',
      inCluster: false,
      image: DEFAULT_SESSION_IMAGE,
    })
  })

  it('reads the namespace, kubeconfig, image, storage class, home size and blocked ranges', () => {
    const { settings, errors } = read(
      [
        'backend: kubernetes',
        'kubernetes:',
        '  namespace: labs',
        '  kubeconfig: /etc/labgate/kubeconfig',
        '  image: registry.example/session:2',
        '  storageClass: fast',
        '  homeSize: 5Gi',
        '  blockedCidrs: [10.0.0.0/8, "fd00::/8"]',
        '  connect: portForward',
      ].join('\n'),
    )
    expect(errors).toEqual([])
    expect(settings.kubernetes).toEqual({
      namespace: 'labs',
      inCluster: false,
      kubeconfig: '/etc/labgate/kubeconfig',
      image: 'registry.example/session:2',
      storageClass: 'fast',
      homeSize: 5 * 2 ** 30,
      blockedCidrs: ['10.0.0.0/8', 'fd00::/8'],
      connect: 'portForward',
    })
  })

  it('reports bad values', () => {
    const { errors, warnings } = read(
      [
        'backend: kubernetes',
        'kubernetes:',
        '  namespace: Not_A_Label',
        '  inCluster: true',
        '  kubeconfig: /x',
        '  blockedCidrs: [nope]',
        '  colour: blue',
      ].join('\n'),
    )
    expect(errors.join('\n')).toMatch(/namespace: expected a name/)
    expect(errors.join('\n')).toMatch(/inCluster: expected either inCluster or kubeconfig/)
    expect(errors.join('\n')).toMatch(/blockedCidrs\[0\]: expected a CIDR/)
    expect(warnings.join('\n')).toMatch(/unknown field "colour"/)
  })

  it('has no kubernetes settings with another backend and no block', () => {
    expect(read('backend: local\n').settings.kubernetes).toBeUndefined()
  })
})
