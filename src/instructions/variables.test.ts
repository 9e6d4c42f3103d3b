import { describe, expect, it } from 'vitest'
import { instructionVariables } from '../domain/session-variables.js'
import { hasVariableReference, interpolate } from './variables.js'

const input = {
  sessionName: 'labgate-sample-w01-s001',
  environmentName: 'labgate-sample-w01',
  workshopName: 'python-http-server',
  portalName: 'labgate-sample',
  configPassword: 'pw',
  params: { SITE_TITLE: 'My first site', ACCESS_KEY: 'ABC123' },
  workshopEnv: [
    { name: 'SERVER_PORT', value: '8000' },
    { name: 'server_port', value: 'lower' },
    { name: 'SITE_TITLE', value: 'from env' },
  ],
}

describe('instructionVariables', () => {
  it("gives Educates' names, then env and parameters under their own names", () => {
    expect({ ...instructionVariables({ ...input, sessionUrl: 'https://x.example/sessions/s/' }) }).toEqual({
      session_name: 'labgate-sample-w01-s001',
      session_namespace: 'labgate-sample-w01-s001',
      environment_name: 'labgate-sample-w01',
      workshop_name: 'python-http-server',
      training_portal: 'labgate-sample',
      config_password: 'pw',
      session_url: 'https://x.example/sessions/s/',
      SERVER_PORT: '8000',
      server_port: 'lower',
      SITE_TITLE: 'My first site',
      ACCESS_KEY: 'ABC123',
    })
  })

  it('has no session_url when none is given', () => {
    expect(Object.hasOwn(instructionVariables(input), 'session_url')).toBe(false)
  })

  it('a parameter or env entry cannot pose as the session identity', () => {
    const vars = instructionVariables({
      ...input,
      params: { session_name: 'fake', config_password: 'fake' },
      workshopEnv: [{ name: 'workshop_name', value: 'fake' }],
    })
    expect(vars).toMatchObject({
      session_name: input.sessionName,
      config_password: 'pw',
      workshop_name: input.workshopName,
    })
  })

  it('has no inherited names, and stores __proto__ as an ordinary name', () => {
    const vars = instructionVariables({
      ...input,
      params: { __proto__: 'p' } as unknown as Record<string, string>,
    })
    expect(interpolate('%constructor% %toString% %hasOwnProperty%', vars)).toBe(
      '%constructor% %toString% %hasOwnProperty%',
    )
    const withProto = instructionVariables({
      ...input,
      params: JSON.parse('{"__proto__": "p"}') as Record<string, string>,
    })
    expect(interpolate('{{ __proto__ }}', withProto)).toBe('p')
  })
})

describe('interpolate', () => {
  const vars = { a: 'A', b_2: 'B', A: 'upper' }
  it('fills %name% and {{ name }}, spaces optional, names case-sensitive', () => {
    expect(interpolate('%a% %A% {{a}} {{ b_2 }} {{\ta\t}} {{   A   }}', vars)).toBe('A upper A B A upper')
  })

  it('leaves unknown names, malformed references and a plain object prototype alone', () => {
    expect(interpolate('%x% {{ x }} % a% %a %{a} {{ a }. {{a b}} %1a% {{ 1a }}', vars)).toBe(
      '%x% {{ x }} % a% %a %{a} {{ a }. {{a b}} %1a% {{ 1a }}',
    )
    expect(interpolate('%constructor% {{ toString }}', {})).toBe('%constructor% {{ toString }}')
  })

  it('does one pass: values are not expanded again', () => {
    expect(interpolate('%a%', { a: '%b% {{ b }}', b: 'no' })).toBe('%b% {{ b }}')
  })

  it('passes values, unknown references and the text between through the encoders', () => {
    expect(
      interpolate(
        'x %a% %z% y',
        vars,
        (s) => `[${s}]`,
        (s) => s.toUpperCase(),
      ),
    ).toBe('X [A] [%z%] Y')
  })

  it('hasVariableReference', () => {
    expect(hasVariableReference('a %b% c')).toBe(true)
    expect(hasVariableReference('{{ b }}')).toBe(true)
    expect(hasVariableReference('100% sure, 50%')).toBe(false)
    expect(hasVariableReference('%b%')).toBe(true) // repeated calls: no shared regex state
  })
})
