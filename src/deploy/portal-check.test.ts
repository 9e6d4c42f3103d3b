import { describe, expect, it } from 'vitest'
import { defaultPortalYaml } from './default-portal.js'
import { checkPortalYaml } from './portal-check.js'

const portal = (labgate: string) =>
  `kind: Workshop\nmetadata: {name: w}\n---\nkind: TrainingPortal\nspec:\n${labgate}`

describe('checkPortalYaml', () => {
  it('accepts the default portal for its own domain without a warning', () => {
    expect(checkPortalYaml(defaultPortalYaml('labs.example.org'), 'labs.example.org')).toEqual([])
  })

  it('accepts a gateway domain that matches, in any case', () => {
    expect(
      checkPortalYaml(portal('  labgate: {gateway: {domain: Labs.Example.org}}\n'), 'labs.example.org'),
    ).toEqual([])
  })

  it('warns when the portal has no gateway domain or another one', () => {
    expect(checkPortalYaml(portal('  labgate: {}\n'), 'labs.example.org')[0]).toContain(
      'sets no spec.labgate.gateway.domain',
    )
    expect(
      checkPortalYaml(portal('  labgate: {gateway: {domain: x.example}}\n'), 'labs.example.org')[0],
    ).toContain('is x.example but the Ingress routes *.labs.example.org')
  })

  it('throws for YAML that does not parse, and for no or two TrainingPortals', () => {
    expect(() => checkPortalYaml('kind: TrainingPortal\nspec: {a: [}\n', 'd')).toThrow(/not valid YAML/)
    expect(() => checkPortalYaml('', 'd')).toThrow(/found 0/)
    expect(() => checkPortalYaml('kind: TrainingPortal\n---\nkind: TrainingPortal\n', 'd')).toThrow(/found 2/)
  })
})
