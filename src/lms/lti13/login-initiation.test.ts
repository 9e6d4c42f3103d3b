import { describe, expect, it } from 'vitest'
import { authenticationRequest, isOwnTarget, parseLoginInitiation } from './login-initiation.js'

describe('LTI 1.3 login initiation', () => {
  it('reads the parameters and says which are missing', () => {
    expect(
      parseLoginInitiation({
        iss: 'https://lms.example',
        login_hint: 'u1',
        target_link_uri: 'https://labs.example/lti/1.3/launch',
        lti_message_hint: 'm',
        client_id: ['c1', 'c2'],
      }),
    ).toEqual({
      ok: true,
      login: {
        iss: 'https://lms.example',
        loginHint: 'u1',
        targetLinkUri: 'https://labs.example/lti/1.3/launch',
        ltiMessageHint: 'm',
        deploymentId: null,
        clientId: 'c1',
      },
    })
    expect(parseLoginInitiation({ iss: 'x', login_hint: '' })).toEqual({
      ok: false,
      detail: 'the login initiation lacks login_hint, target_link_uri',
    })
    expect(parseLoginInitiation({ iss: 'x'.repeat(5000), login_hint: 'a', target_link_uri: 'b' }).ok).toBe(
      false,
    )
  })

  it('sends the browser to the platform with state, nonce and the echoed hint', () => {
    const url = new URL(
      authenticationRequest(
        { authUrl: 'https://lms.example/auth?x=1', clientId: 'tool' },
        {
          iss: 'i',
          loginHint: 'u1',
          targetLinkUri: 't',
          ltiMessageHint: 'hint',
          deploymentId: null,
          clientId: null,
        },
        { redirectUri: 'https://labs.example/lti/1.3/launch', state: 's1', nonce: 'n1' },
      ),
    )
    expect(url.origin + url.pathname).toBe('https://lms.example/auth')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      x: '1',
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: 'tool',
      redirect_uri: 'https://labs.example/lti/1.3/launch',
      login_hint: 'u1',
      state: 's1',
      nonce: 'n1',
      lti_message_hint: 'hint',
    })
  })

  it('only goes back to its own origin', () => {
    expect(isOwnTarget('https://labs.example/lti/1.3/launch?lab=a', 'https://labs.example')).toBe(true)
    expect(isOwnTarget('https://labs.example.evil.test/x', 'https://labs.example')).toBe(false)
    expect(isOwnTarget('http://labs.example/x', 'https://labs.example')).toBe(false)
    expect(isOwnTarget('javascript:alert(1)', 'https://labs.example')).toBe(false)
    expect(isOwnTarget('/relative', 'https://labs.example')).toBe(false)
  })
})
