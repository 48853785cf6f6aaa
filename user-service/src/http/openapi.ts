import { buildOpenApiDocument, type OpenApiDocument } from '@ebs/service-kit/observability';
import { z } from 'zod';
import { tokenRequestBody, tokenResponse } from './auth.routes';
import { createUserBody, listQuery } from './users.routes';

// The OpenAPI document of user-service: the request schemas are the ones users.routes.ts validates with.

const user = z
  .object({
    id: z.string().meta({ format: 'uuid' }),
    name: z.string(),
    email: z.string().meta({ format: 'email', description: 'Stored lower-cased' }),
    createdAt: z.string().meta({ format: 'date-time', example: '2026-11-24T09:00:00.000Z' }),
  })
  .meta({ id: 'User' });

const userPage = z
  .object({
    data: z.array(user),
    pagination: z.object({ limit: z.number().int(), offset: z.number().int(), total: z.number().int() }),
  })
  .meta({ id: 'UserPage' });

export function buildOpenApi(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'user-service',
    version: '1.0.0',
    description: 'Users of the event booking system. Emails are stored lower-cased and unique.',
    readyChecks: ['mysql'],
    operations: [
      {
        method: 'post',
        path: '/users',
        tag: 'users',
        summary: 'Create a user (public sign-up)',
        body: createUserBody.meta({
          example: { name: 'Ada Lovelace', email: 'ada@example.com', password: 'correct horse battery' },
        }),
        responses: { 201: { description: 'Created', schema: user } },
        errors: ['VALIDATION_FAILED', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'EMAIL_TAKEN', 'UNAVAILABLE'],
      },
      {
        method: 'post',
        path: '/auth/token',
        tag: 'auth',
        summary: 'Log in: an access token (JWT) for email and password',
        description:
          'Wrong email or password: 401, the same answer for both. More than 10 failures for one email within ' +
          '15 minutes from one client address, 100 for one email from all addresses, or 50 from one address ' +
          'for all emails: 429 RATE_LIMITED with Retry-After, across replicas, before the password is checked.',
        body: tokenRequestBody.meta({ example: { email: 'ada@example.com', password: 'correct horse battery' } }),
        responses: { 200: { description: 'A bearer token', schema: tokenResponse.meta({ id: 'Token' }) } },
        errors: [
          'VALIDATION_FAILED',
          'INVALID_JSON',
          'PAYLOAD_TOO_LARGE',
          'UNAUTHENTICATED',
          'RATE_LIMITED',
          'UNAVAILABLE',
        ],
      },
      {
        method: 'get',
        path: '/.well-known/jwks.json',
        tag: 'auth',
        summary: 'The public keys (JWKS) every service verifies tokens with',
        responses: {
          200: {
            description: 'A JSON Web Key Set',
            schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).meta({ id: 'Jwks' }),
          },
        },
        errors: [],
      },
      {
        method: 'get',
        path: '/users',
        tag: 'users',
        summary: 'List users, newest first (admin)',
        auth: true,
        query: listQuery,
        responses: { 200: { description: 'A page of users', schema: userPage } },
        errors: ['VALIDATION_FAILED', 'UNAVAILABLE'],
      },
      {
        method: 'get',
        path: '/users/:id',
        tag: 'users',
        summary: 'Read one user (the user themself, or an admin)',
        auth: true,
        responses: { 200: { description: 'The user', schema: user } },
        errors: ['NOT_FOUND', 'UNAVAILABLE'],
      },
    ],
  });
}
