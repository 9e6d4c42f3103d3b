/**
 * The authorization server's operations as the OpenAPI document states them. `declareOAuthOperations`
 * is called where the routes are registered (`routes.ts`), with the same paths.
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { FORM_TYPE, HTML_TYPE, JSON_TYPE, TEXT_TYPE, type ApiResponse } from '../http/openapi/operation.js'
import { declareOperation, notInApi } from '../http/openapi/registry.js'
import {
  AuthorizeForm,
  AuthorizeQuery,
  DiscoveryResponse,
  IntrospectForm,
  IntrospectResponse,
  Jwks,
  OAuthErrorBody,
  RevokeForm,
  TokenForm,
  TokenResponse,
  UserinfoResponse,
} from './wire.js'

const tags = ['oauth']
const json = (description: string, schema: z.ZodTypeAny): ApiResponse => ({
  description,
  content: { [JSON_TYPE]: schema },
})
const oauthErrors: Record<number, ApiResponse> = {
  400: json('A missing, repeated or malformed parameter, a bad grant, scope or target', OAuthErrorBody),
  401: json('Client authentication failed (with a `WWW-Authenticate: Basic` challenge)', OAuthErrorBody),
  429: json('Too much password hashing or too many failed sign-ins (with `Retry-After`)', OAuthErrorBody),
  500: json('An unexpected error', OAuthErrorBody),
}
const html = (description: string): ApiResponse => ({ description, content: { [HTML_TYPE]: z.string() } })
const seeOther = (description: string): ApiResponse => ({ description, headers: { Location: 'where to go' } })

/** Declares the OAuth 2.0 / OpenID Connect endpoints on `app` (see `routes.ts`). */
export function declareOAuthOperations(app: FastifyInstance): void {
  for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'])
    declareOperation(app, {
      method: 'GET',
      path,
      summary: 'Authorization server metadata (OpenID Connect Discovery, RFC 8414)',
      tags,
      security: [],
      responses: { 200: json('The metadata', DiscoveryResponse) },
    })
  declareOperation(app, {
    method: 'GET',
    path: '/oauth2/jwks',
    summary: "The public keys that verify ID tokens' signatures",
    tags,
    security: [],
    responses: { 200: { description: 'A JWK set', content: { 'application/jwk-set+json': Jwks } } },
  })
  for (const method of ['GET', 'POST'] as const)
    declareOperation(app, {
      method,
      path: '/oauth2/authorize',
      summary:
        method === 'GET'
          ? 'The authorization endpoint (code flow, PKCE): a consent page or a redirect'
          : "The consent page's answer (form, with the CSRF token)",
      tags,
      security: ['cookie'],
      ...(method === 'GET'
        ? { query: AuthorizeQuery }
        : {
            body: { schema: AuthorizeForm, types: [FORM_TYPE], required: true },
          }),
      responses: {
        200: html('The consent page'),
        303: seeOther("To the client's redirect URI (a code or an error), or to the portal's sign-in"),
        400: html('An error page: the client or its redirect URI is unknown'),
        ...((method === 'POST' ? { 403: html('The form has expired') } : {}) as Record<number, ApiResponse>),
      },
    })
  declareOperation(app, {
    method: 'POST',
    path: '/oauth2/token',
    summary: 'The token endpoint',
    description:
      "Also at `/oauth2/token/`, Educates' robot path. The password grant's failures count toward the " +
      'same limit as the portal sign-in form.',
    tags,
    security: ['clientCredentials'],
    body: { schema: TokenForm, types: [FORM_TYPE], required: true },
    responses: { 200: json('The tokens', TokenResponse), ...oauthErrors },
  })
  notInApi(app, ['POST'], '/oauth2/token/', 'the same operation as /oauth2/token')
  declareOperation(app, {
    method: 'POST',
    path: '/oauth2/revoke',
    summary: 'Revoke a token (RFC 7009)',
    description: "Also at Educates' `/oauth2/revoke-token/`.",
    tags,
    security: ['clientCredentials'],
    body: { schema: RevokeForm, types: [FORM_TYPE], required: true },
    responses: {
      200: { description: 'Revoked, or the token was unknown', content: { [TEXT_TYPE]: z.literal('') } },
      ...oauthErrors,
    },
  })
  for (const path of ['/oauth2/revoke-token/', '/oauth2/revoke-token'])
    notInApi(app, ['POST'], path, 'the same operation as /oauth2/revoke')
  declareOperation(app, {
    method: 'POST',
    path: '/oauth2/introspect',
    summary: 'Introspect a token (RFC 7662)',
    tags,
    security: ['clientCredentials'],
    body: { schema: IntrospectForm, types: [FORM_TYPE], required: true },
    responses: { 200: json("The token's state", IntrospectResponse), ...oauthErrors },
  })
  for (const method of ['GET', 'POST'] as const)
    declareOperation(app, {
      method,
      path: '/oauth2/userinfo',
      summary: "The signed-in user's claims (OpenID Connect), for an access token with `openid`",
      tags,
      security: ['bearer'],
      responses: {
        200: json('The claims the scope allows', UserinfoResponse),
        401: json('No, or an invalid, token', z.object({ error: z.literal('invalid_token') })),
      },
    })
}
