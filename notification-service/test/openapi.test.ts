import SwaggerParser from '@apidevtools/swagger-parser';
import { listRoutes } from '@ebs/service-kit/http';
import { compareWithRoutes, type OpenApiDocument } from '@ebs/service-kit/observability';
import request from 'supertest';
import { createTestApp, type TestApp } from './support/test-app';

let t: TestApp;

beforeAll(() => {
  t = createTestApp();
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
    expect(listRoutes(t.app)).toEqual(expect.arrayContaining([{ method: 'GET', path: '/notifications' }]));
  });

  test('when a route exists without a spec path, or a spec path without a route, then the comparison names both', async () => {
    const doc = (await request(t.app).get('/openapi.json')).body as OpenApiDocument;
    const routes = [...listRoutes(t.app).filter((r) => r.path !== '/notifications'), { method: 'GET', path: '/extra' }];
    expect(compareWithRoutes(doc, routes)).toEqual({
      withoutSpec: ['GET /extra'],
      withoutRoute: ['GET /notifications'],
    });
  });

  test('when the notification operation is read, then it carries its error codes, filters and the bearer scheme', async () => {
    const doc = (await request(t.app).get('/openapi.json')).body;
    const list = doc.paths['/notifications'].get;
    expect(Object.keys(list.responses).sort()).toEqual(['200', '400', '401', '403', '500', '503']);
    expect(list.security).toEqual([{ bearerAuth: [] }]);
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'offset', 'userId', 'bookingId']);
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
