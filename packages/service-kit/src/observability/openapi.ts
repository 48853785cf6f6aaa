import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { ERROR_STATUS } from '../errors/app-error';
import type { RouteEntry } from '../http/route-table';

// Builds each service's OpenAPI 3.1 document from the zod schemas its routes validate with (the service's
// src/http/openapi.ts lists the routes), and serves it: GET /openapi.json and Swagger UI at GET /docs.

// Names and formats are zod's own metadata (.meta({ id, format, description })), which zod-to-openapi reads.

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

type ZodObjectLike = NonNullable<NonNullable<RouteConfig['request']>['query']>;

// Every code of the contract (docs/api.md) with its status, also those this service does not raise itself.
const STATUS = { ...ERROR_STATUS, UNAUTHENTICATED: 401, FORBIDDEN: 403, RATE_LIMITED: 429 } as const;
export type DocErrorCode = keyof typeof STATUS;

/** One operation of a service. `path` is in Express form (`/events/:id`), as the router declares it. */
export type ApiOperation = {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Needs a bearer token (docs/api.md Access): 401 without one, 403 without the right. */
  auth?: boolean;
  query?: ZodObjectLike;
  body?: z.ZodType;
  headers?: ZodObjectLike;
  /** Success responses by status. */
  responses: Record<number, { description: string; schema?: z.ZodType; headers?: ResponseConfig['headers'] }>;
  /** The error codes this operation may answer besides INTERNAL (and 401/403 when auth). */
  errors: DocErrorCode[];
};

const errorDetail = z.object({ field: z.string(), message: z.string() });

/** The contract's error body with `code` narrowed to the given codes. */
export function errorBody(codes: readonly DocErrorCode[]): z.ZodType {
  return z.object({
    error: z.object({
      code: z.enum(codes as [DocErrorCode, ...DocErrorCode[]]),
      message: z.string(),
      details: z.array(errorDetail).optional().meta({ description: 'The invalid fields (VALIDATION_FAILED)' }),
    }),
  });
}

const ERROR_HEADERS: Partial<Record<DocErrorCode, ResponseConfig['headers']>> = {
  UNAUTHENTICATED: { 'WWW-Authenticate': { schema: { type: 'string', example: 'Bearer' } } },
  RATE_LIMITED: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } },
  UNAVAILABLE: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait (when busy)' } },
};

/** Error responses grouped by HTTP status, each listing its codes. */
export function errorResponses(codes: readonly DocErrorCode[]): Record<string, ResponseConfig> {
  const byStatus = new Map<number, DocErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, ResponseConfig> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers = Object.assign({}, ...list.map((c) => ERROR_HEADERS[c] ?? {}));
    out[String(status)] = {
      description: list.join(', '),
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      content: { 'application/json': { schema: errorBody(list) } },
    };
  }
  return out;
}

export const toOpenApiPath = (expressPath: string): string => expressPath.replace(/:(\w+)/g, '{$1}');
export const toExpressPath = (openApiPath: string): string => openApiPath.replace(/\{(\w+)\}/g, ':$1');

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });

/** The routes every service has: health, readiness, metrics and these docs. */
function commonOperations(checks: string[]): ApiOperation[] {
  const state = z.enum(['up', 'down']);
  const checksSchema = z.object(Object.fromEntries(checks.map((c) => [c, state])));
  return [
    {
      method: 'get',
      path: '/health',
      tag: 'operations',
      summary: 'Liveness: answers without touching dependencies',
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
      errors: [],
    },
    {
      method: 'get',
      path: '/ready',
      tag: 'operations',
      summary: 'Readiness: every dependency checked; only MySQL down makes the service unready',
      responses: {
        200: { description: 'Ready', schema: z.object({ status: z.literal('ready'), checks: checksSchema }) },
        503: {
          description: 'Not ready (MySQL down)',
          schema: z.object({ status: z.literal('unavailable'), checks: checksSchema }),
        },
      },
      errors: [],
    },
    {
      method: 'get',
      path: '/metrics',
      tag: 'operations',
      summary: 'Prometheus metrics (text exposition format)',
      responses: { 200: { description: 'Metrics in the Prometheus text format' } },
      errors: [],
    },
    {
      method: 'get',
      path: '/openapi.json',
      tag: 'operations',
      summary: 'This OpenAPI 3.1 document',
      responses: { 200: { description: 'The OpenAPI document' } },
      errors: [],
    },
    {
      method: 'get',
      path: '/docs',
      tag: 'operations',
      summary: 'Swagger UI over this document',
      responses: { 200: { description: 'HTML page' } },
      errors: [],
    },
    {
      method: 'get',
      path: '/',
      tag: 'operations',
      summary: 'The service: its name and links to its docs, this document and its liveness',
      responses: {
        200: {
          description: 'The service',
          schema: z.object({
            service: z.string(),
            version: z.string(),
            links: z.object({
              docs: z.literal('/docs'),
              openapi: z.literal('/openapi.json'),
              health: z.literal('/health'),
            }),
          }),
        },
      },
      errors: [],
    },
  ];
}

/** Builds the OpenAPI 3.1 document of one service from its operations. */
export function buildOpenApiDocument(opts: {
  title: string;
  description: string;
  version: string;
  /** The dependency names /ready reports (e.g. mysql, nats). */
  readyChecks: string[];
  operations: ApiOperation[];
}): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /auth/token (user-service)',
  });
  for (const op of [...opts.operations, ...commonOperations(opts.readyChecks)]) {
    const params = [...op.path.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
    const responses: Record<string, ResponseConfig> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.headers ? { headers: r.headers } : {}),
        ...(r.schema ? { content: json(r.schema) } : {}),
      };
    }
    const errors: DocErrorCode[] = [...op.errors, ...(op.auth ? (['UNAUTHENTICATED', 'FORBIDDEN'] as const) : [])];
    if (op.path !== '/health') errors.push('INTERNAL');
    Object.assign(responses, errorResponses(errors));
    registry.registerPath({
      method: op.method,
      path: toOpenApiPath(op.path),
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      ...(op.auth ? { security: [{ bearerAuth: [] }] } : {}),
      request: {
        ...(params.length > 0
          ? {
              params: z.object(
                Object.fromEntries(
                  params.map((p) => [p, z.string().meta({ description: 'A UUID; a malformed one is a 404' })]),
                ),
              ),
            }
          : {}),
        ...(op.query ? { query: op.query } : {}),
        ...(op.headers ? { headers: op.headers } : {}),
        ...(op.body ? { body: { required: true, content: json(op.body) } } : {}),
      },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: opts.title, version: opts.version, description: opts.description },
  });
}

/** GET /openapi.json and Swagger UI at GET /docs (its assets under /docs/). */
export function docsRouter(doc: OpenApiDocument): Router {
  const router = Router();
  const html = swaggerUi
    .generateHTML(doc, { customSiteTitle: doc.info.title })
    .replace(/(href|src)="\.\//g, '$1="/docs/');
  router.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(html);
  });
  router.use('/docs', swaggerUi.serveFiles(doc));
  return router;
}

/**
 * Routes the app answers that the document lacks, and document operations no route answers, each as
 * "METHOD /path" in Express form. Both empty when they agree.
 */
export function compareWithRoutes(
  doc: OpenApiDocument,
  routes: RouteEntry[],
): { withoutSpec: string[]; withoutRoute: string[] } {
  const fromRoutes = new Set(routes.map((r) => `${r.method} ${r.path}`));
  const fromDoc = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      if (item[method]) fromDoc.add(`${method.toUpperCase()} ${toExpressPath(path)}`);
    }
  }
  return {
    withoutSpec: [...fromRoutes].filter((r) => !fromDoc.has(r)).sort(),
    withoutRoute: [...fromDoc].filter((r) => !fromRoutes.has(r)).sort(),
  };
}
