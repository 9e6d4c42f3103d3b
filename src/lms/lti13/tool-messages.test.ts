import { exportJWK, generateKeyPair, jwtVerify, SignJWT, createLocalJWKSet } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  clientAssertion,
  completedScore,
  deepLinkingResponse,
  scoresUrl,
  serviceTokenForm,
  type ToolSigner,
} from './tool-messages.js'

async function toolKey() {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const sign: ToolSigner = (p) =>
    new SignJWT(p).setProtectedHeader({ alg: 'RS256', kid: 't1' }).sign(privateKey)
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 't1', alg: 'RS256' }] })
  return { sign, jwks }
}

const NOW = Date.UTC(2026, 11, 6, 12)

describe("the tool's messages to a platform", () => {
  it('signs a Deep Linking response the platform can verify, one resource link per lab', async () => {
    const { sign, jwks } = await toolKey()
    const jwt = await deepLinkingResponse(sign, {
      clientId: 'tool',
      platformIssuer: 'https://lms.example',
      deploymentId: 'dep-1',
      data: 'opaque',
      nonce: 'n1',
      now: NOW,
      labs: [
        { lab: 'intro-shell', title: 'Shell', url: 'https://labs.example/lti/1.3/launch', scoreMaximum: 10 },
        { lab: 'py', title: 'Python', url: 'https://labs.example/lti/1.3/launch' },
      ],
    })
    const { payload } = await jwtVerify(jwt, jwks, {
      issuer: 'tool',
      audience: 'https://lms.example',
      currentDate: new Date(NOW),
    })
    expect(payload).toMatchObject({
      nonce: 'n1',
      exp: NOW / 1000 + 300,
      'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiDeepLinkingResponse',
      'https://purl.imsglobal.org/spec/lti/claim/version': '1.3.0',
      'https://purl.imsglobal.org/spec/lti/claim/deployment_id': 'dep-1',
      'https://purl.imsglobal.org/spec/lti-dl/claim/data': 'opaque',
      'https://purl.imsglobal.org/spec/lti-dl/claim/content_items': [
        {
          type: 'ltiResourceLink',
          title: 'Shell',
          custom: { lab: 'intro-shell' },
          lineItem: { scoreMaximum: 10, label: 'Shell', resourceId: 'intro-shell' },
        },
        { type: 'ltiResourceLink', title: 'Python', custom: { lab: 'py' } },
      ],
    })
    expect(Object.keys(payload)).not.toContain('https://purl.imsglobal.org/spec/lti-dl/claim/errormsg ')
  })

  it('asserts the client for a service token, and posts scores where AGS says', async () => {
    const { sign, jwks } = await toolKey()
    const assertion = await clientAssertion(sign, {
      clientId: 'tool',
      tokenUrl: 'https://lms.example/token',
      jti: 'j1',
      now: NOW,
    })
    const { payload } = await jwtVerify(assertion, jwks, {
      issuer: 'tool',
      subject: 'tool',
      audience: 'https://lms.example/token',
      currentDate: new Date(NOW),
    })
    expect(payload.jti).toBe('j1')
    expect(Object.fromEntries(serviceTokenForm(assertion, ['a', 'b']))).toEqual({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: 'a b',
    })
    expect(scoresUrl('https://lms.example/ags/items/7?type=x')).toBe(
      'https://lms.example/ags/items/7/scores?type=x',
    )
    expect(scoresUrl('https://lms.example/ags/items/7/')).toBe('https://lms.example/ags/items/7/scores')
    expect(completedScore({ userId: 'u1', now: NOW, scoreMaximum: 10 })).toEqual({
      userId: 'u1',
      scoreGiven: 10,
      scoreMaximum: 10,
      timestamp: '2026-12-06T12:00:00.000Z',
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
    })
  })
})
