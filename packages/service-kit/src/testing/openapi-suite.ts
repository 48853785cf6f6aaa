import SwaggerParser from '@apidevtools/swagger-parser';
import type { Express } from 'express';
import request from 'supertest';
import { listRoutes } from '../http/route-table';
import { compareWithRoutes, type OpenApiDocument } from '../observability/openapi';

/**
 * What the OpenAPI suite needs of a service: how to build its app; `served`, a route it must serve and document
 * ('POST /bookings'); `droppedGet`, a GET route the suite leaves out of the router's list to prove the comparison
 * names it ('/bookings/:id').
 */
export type OpenApiSpec = {
  createApp: () => { app: Express; close: () => Promise<void> };
  served: string;
  droppedGet: string;
};

/**
 * GET /openapi.json is a valid OpenAPI 3.1 document that matches the Express router (no route without a spec
 * path, no spec path without a route), and GET /docs serves Swagger UI. Every service runs it with its own app
 * (test/openapi.test.ts), beside its own checks of its operations.
 */
export function describeOpenApiDocs(spec: OpenApiSpec): () => Express {
  let t: ReturnType<OpenApiSpec['createApp']>;
  beforeAll(() => {
    t = spec.createApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /openapi.json', () => {
    test('when fetched, then it is a valid OpenAPI 3.1 document (checked by swagger-parser)', async () => {
      const res = await request(t.app).get('/openapi.json');
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      await expect(SwaggerParser.validate(structuredClone(res.body))).resolves.toBeDefined();
    });

    test('when compared with the Express router stack, then every route has a spec path and every spec path a route', async () => {
      const doc = (await request(t.app).get('/openapi.json')).body as OpenApiDocument;
      expect(compareWithRoutes(doc, listRoutes(t.app))).toEqual({ withoutSpec: [], withoutRoute: [] });
      const [method, path] = spec.served.split(' ');
      expect(listRoutes(t.app)).toEqual(expect.arrayContaining([{ method, path }]));
    });

    test('when a route exists without a spec path, or a spec path without a route, then the comparison names both', async () => {
      const doc = (await request(t.app).get('/openapi.json')).body as OpenApiDocument;
      const routes = [
        ...listRoutes(t.app).filter((r) => r.path !== spec.droppedGet || r.method !== 'GET'),
        { method: 'GET', path: '/extra' },
      ];
      expect(compareWithRoutes(doc, routes)).toEqual({
        withoutSpec: ['GET /extra'],
        withoutRoute: [`GET ${spec.droppedGet}`],
      });
    });
  });

  describe('GET /docs', () => {
    test('when fetched, then Swagger UI HTML is served and its script and stylesheet load', async () => {
      const res = await request(t.app).get('/docs');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('swagger-ui');
      for (const asset of ['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui-init.js']) {
        expect(res.text).toContain(asset);
        expect((await request(t.app).get(asset)).status).toBe(200);
      }
    });
  });

  return () => t.app;
}
