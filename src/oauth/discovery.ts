/** RFC 8414 / OpenID Connect Discovery metadata. */
import { TOKEN_EXCHANGE_GRANT } from './clients.js'
import type { z } from 'zod'
import { SIGNING_ALG } from './signing-keys.js'
import type { DiscoveryResponse } from './wire.js'

/** The metadata document for `issuer` (the portal's public URL, no trailing slash). Pure. */
export function discoveryDocument(issuer: string): z.infer<typeof DiscoveryResponse> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth2/authorize`,
    token_endpoint: `${issuer}/oauth2/token`,
    introspection_endpoint: `${issuer}/oauth2/introspect`,
    revocation_endpoint: `${issuer}/oauth2/revoke`,
    userinfo_endpoint: `${issuer}/oauth2/userinfo`,
    jwks_uri: `${issuer}/oauth2/jwks`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'password',
      TOKEN_EXCHANGE_GRANT,
    ],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    scopes_supported: ['openid', 'profile', 'email', 'user:info'],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'preferred_username',
      'name',
      'given_name',
      'family_name',
      'email',
    ],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [SIGNING_ALG],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    authorization_response_iss_parameter_supported: false,
  }
}
