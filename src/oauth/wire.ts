/**
 * The authorization server's wire shapes as zod schemas, for the OpenAPI document (`operations.ts`):
 * the form parameters each endpoint reads and the JSON it answers. Parameters are checked by the use
 * cases, which answer RFC 6749 errors; these schemas state what they accept.
 */
import { z } from 'zod'
import { named } from '../http/openapi/json-schema.js'

const param = z.string()

export const TokenForm = z
  .object({
    grant_type: z
      .string()
      .describe(
        '`client_credentials`, `password` (the default), `refresh_token`, `authorization_code` or ' +
          '`urn:ietf:params:oauth:grant-type:token-exchange`',
      ),
    client_id: param.optional().describe('with `client_secret`, when not sent with HTTP Basic'),
    client_secret: param.optional(),
    scope: param.optional(),
    username: param.optional().describe('password grant'),
    password: param.optional().describe('password grant'),
    refresh_token: param.optional().describe('refresh grant'),
    code: param.optional().describe('authorization code grant'),
    redirect_uri: param.optional().describe('authorization code grant'),
    code_verifier: param.optional().describe('authorization code grant with PKCE'),
    subject_token: param.optional().describe('token exchange'),
    subject_token_type: param.optional().describe('token exchange'),
    resource: z
      .union([param, z.array(param)])
      .optional()
      .describe('RFC 8707 (repeatable)'),
    audience: z
      .union([param, z.array(param)])
      .optional()
      .describe('token exchange (repeatable)'),
  })
  .passthrough()

export const TokenResponse = named(
  'OAuthTokenResponse',
  z.object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    scope: z.string(),
    refresh_token: z.string().optional(),
    id_token: z.string().optional(),
    issued_token_type: z.string().optional(),
  }),
)

export const IntrospectForm = z
  .object({
    token: param.describe('the token to inspect'),
    token_type_hint: param.optional(),
    client_id: param.optional(),
    client_secret: param.optional(),
  })
  .passthrough()

export const IntrospectResponse = z.union([
  z.object({ active: z.literal(false) }).strict(),
  z.object({
    active: z.literal(true),
    scope: z.string(),
    client_id: z.string(),
    username: z.string().optional(),
    sub: z.string(),
    aud: z.array(z.string()).optional(),
    iat: z.number().int(),
    exp: z.number().int().optional(),
    iss: z.string(),
    token_type: z.enum(['Bearer', 'refresh_token']),
  }),
])

export const RevokeForm = z
  .object({
    token: param,
    token_type_hint: param.optional(),
    client_id: param.optional(),
    client_secret: param.optional(),
  })
  .passthrough()

export const UserinfoResponse = z
  .object({
    sub: z.string(),
    preferred_username: z.string().optional(),
    name: z.string().optional(),
    given_name: z.string().optional(),
    family_name: z.string().optional(),
    email: z.string().optional(),
  })
  .strict()

export const Jwks = z.object({
  keys: z.array(
    z.object({ kty: z.string(), kid: z.string(), alg: z.string(), use: z.literal('sig') }).passthrough(),
  ),
})

export const DiscoveryResponse = z.object({
  issuer: z.string().url(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  introspection_endpoint: z.string().url(),
  revocation_endpoint: z.string().url(),
  userinfo_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  response_types_supported: z.array(z.string()),
  response_modes_supported: z.array(z.string()),
  grant_types_supported: z.array(z.string()),
  code_challenge_methods_supported: z.array(z.string()),
  token_endpoint_auth_methods_supported: z.array(z.string()),
  introspection_endpoint_auth_methods_supported: z.array(z.string()),
  revocation_endpoint_auth_methods_supported: z.array(z.string()),
  scopes_supported: z.array(z.string()),
  claims_supported: z.array(z.string()),
  subject_types_supported: z.array(z.string()),
  id_token_signing_alg_values_supported: z.array(z.string()),
  claims_parameter_supported: z.boolean(),
  request_parameter_supported: z.boolean(),
  authorization_response_iss_parameter_supported: z.boolean(),
})

/** RFC 6749 §5.2: every error of the token, introspection and revocation endpoints. */
export const OAuthErrorBody = named(
  'OAuthError',
  z.object({ error: z.string(), error_description: z.string().optional() }),
)

export const AuthorizeQuery = z
  .object({
    response_type: param.optional().describe('`code`'),
    client_id: param.optional(),
    redirect_uri: param.optional(),
    scope: param.optional(),
    state: param.optional(),
    nonce: param.optional(),
    code_challenge: param.optional(),
    code_challenge_method: param.optional().describe('`S256`'),
  })
  .passthrough()
