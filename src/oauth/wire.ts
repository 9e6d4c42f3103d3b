/**
 * The authorization server's wire shapes as zod schemas: the form and query parameters each endpoint
 * accepts, which the endpoints parse their requests with (`parseOAuthParams`: a repeated or malformed
 * parameter is an RFC 6749 `invalid_request`), and the JSON it answers, for the OpenAPI document
 * (`operations.ts`). Which parameters a grant needs, and their values, are checked by the use cases.
 */
import { z } from 'zod'
import {
  lenientOAuthParam,
  oauthParam as param,
  repeatableOAuthParam,
  requiredOAuthParam,
} from '../auth/form-params.js'
import { named } from '../http/openapi/json-schema.js'

/**
 * `POST /oauth2/token`. Each grant parses the parameters it reads (`TokenForm.pick`), so a parameter
 * another grant uses is ignored like an unknown one.
 */
export const TokenForm = z
  .object({
    grant_type: param.describe(
      '`client_credentials`, `password` (the default), `refresh_token`, `authorization_code` or ' +
        '`urn:ietf:params:oauth:grant-type:token-exchange`',
    ),
    client_id: param.describe('with `client_secret`, when not sent with HTTP Basic'),
    client_secret: param,
    scope: param,
    username: param.describe('password grant'),
    password: param.describe('password grant'),
    refresh_token: param.describe('refresh grant'),
    code: param.describe('authorization code grant'),
    redirect_uri: param.describe('authorization code grant'),
    code_verifier: param.describe('authorization code grant with PKCE'),
    subject_token: param.describe('token exchange'),
    subject_token_type: param.describe('token exchange'),
    requested_token_type: param.describe('token exchange'),
    resource: repeatableOAuthParam.describe('RFC 8707 (repeatable)'),
    audience: repeatableOAuthParam.describe('token exchange (repeatable)'),
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

/** `POST /oauth2/introspect` (RFC 7662). */
export const IntrospectForm = z
  .object({
    token: requiredOAuthParam.describe('the token to inspect'),
    token_type_hint: param,
    client_id: param,
    client_secret: param,
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

/** `POST /oauth2/revoke` (RFC 7009) and Educates' `/oauth2/revoke-token/`. */
export const RevokeForm = z
  .object({
    token: requiredOAuthParam,
    token_type_hint: param,
    client_id: param,
    client_secret: param,
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

/**
 * `GET /oauth2/authorize`. A repeated or malformed parameter counts as absent: this endpoint answers with
 * an error page or a redirect to the client (`Authorizer.check`), never `invalid_request` in JSON.
 */
export const AuthorizeQuery = z
  .object({
    response_type: lenientOAuthParam.describe('`code`'),
    client_id: lenientOAuthParam,
    redirect_uri: lenientOAuthParam,
    scope: lenientOAuthParam,
    state: lenientOAuthParam,
    nonce: lenientOAuthParam,
    code_challenge: lenientOAuthParam,
    code_challenge_method: lenientOAuthParam.describe('`S256`'),
  })
  .passthrough()

/** `POST /oauth2/authorize`: the consent page's form (its CSRF token is checked apart). */
export const AuthorizeForm = AuthorizeQuery.extend({
  decision: lenientOAuthParam.describe('`approve`, else a refusal'),
})
