import { describe, expect, it } from 'vitest'
import { LabgateError } from '../domain/errors.js'
import { isDnsName, isWildcardHost } from './dns-names.js'
import { MANIFEST_DEFAULTS, resolveManifestOptions } from './manifest-options.js'

const image = 'registry.example.org/labgate:0.1.0'

describe('resolveManifestOptions', () => {
  it('fills the defaults: namespace labgate, 3 replicas, the wildcard of the host, a Kubernetes portal', () => {
    const o = resolveManifestOptions({ image, host: 'labs.uni.example' })
    expect(o).toMatchObject({
      namespace: 'labgate',
      replicas: 3,
      host: 'labs.uni.example',
      sessionHost: '*.labs.uni.example',
      ingressClass: 'nginx',
      tlsSecret: 'labgate-tls',
      databaseSecret: 'labgate-database',
      databaseSecretKey: 'url',
    })
    expect(o.portalYaml).toContain('domain: labs.uni.example')
    expect(resolveManifestOptions({ image }).host).toBe(MANIFEST_DEFAULTS.host)
  })

  it('keeps what it is given', () => {
    const given = {
      image: 'reg.example/lg@sha256:0123abcd',
      namespace: 'labs',
      replicas: 1,
      host: 'a.example',
      sessionHost: '*.s.example',
      ingressClass: 'traefik',
      tlsSecret: 't',
      databaseSecret: 'd',
      databaseSecretKey: 'DATABASE_URL',
      portalYaml: 'kind: TrainingPortal\n',
    }
    expect(resolveManifestOptions(given)).toEqual(given)
  })

  it('throws one bad_request naming every bad option', () => {
    let error: unknown
    try {
      resolveManifestOptions({ image: '', host: 'https://x', replicas: 0, namespace: 'a.b', portalYaml: ' ' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(LabgateError)
    expect((error as LabgateError).code).toBe('bad_request')
    const message = (error as Error).message
    for (const part of [
      'namespace "a.b" is not a DNS label',
      'image "" is not an image reference',
      'replicas must be a whole number from 1 to 1000, got 0',
      'host "https://x" is not a DNS name',
      'the portal YAML is empty',
    ])
      expect(message).toContain(part)
  })

  it.each([-1, 0, 1.5, 1001, Number.NaN])('refuses %s replicas', (replicas) => {
    expect(() => resolveManifestOptions({ image, replicas })).toThrow(/replicas must be a whole number/)
  })
})

describe('DNS names', () => {
  it.each(['labs.example.org', 'a', 'x-1.y-2.example', `${'a'.repeat(63)}.example`])('%s is one', (n) =>
    expect(isDnsName(n)).toBe(true),
  )
  it.each([
    '',
    'Labs.example.org',
    'labs.example.org.',
    '-a.example',
    'a_b.example',
    'labs.example.org:443',
    'https://labs.example.org',
    '*.example.org',
    `${'a'.repeat(64)}.example`,
    Array.from({ length: 130 }, () => 'a').join('.'),
  ])('%s is not one', (n) => expect(isDnsName(n)).toBe(false))

  it('takes a wildcard of exactly one leading label', () => {
    expect(isWildcardHost('*.labs.example.org')).toBe(true)
    for (const h of ['labs.example.org', '*', '*.', 'a.*.example.org', '**.example.org', '*.*.example.org'])
      expect(isWildcardHost(h), h).toBe(false)
  })
})
