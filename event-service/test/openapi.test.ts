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
    expect(listRoutes(t.app)).toEqual(expect.arrayContaining([{ method: 'PATCH', path: '/events/:id' }]));
  });

  test('when a route exists without a spec path, or a spec path without a route, then the comparison names both', async () => {
    const doc = (await request(t.app).get('/openapi.json')).body as OpenApiDocument;
    const routes = [
      ...listRoutes(t.app).filter((r) => r.path !== '/events/:id' || r.method !== 'GET'),
      { method: 'GET', path: '/extra' },
    ];
    expect(compareWithRoutes(doc, routes)).toEqual({
      withoutSpec: ['GET /extra'],
      withoutRoute: ['GET /events/:id'],
    });
  });

  test('when the event operations are read, then they carry their error codes and bearer security where the access table requires it', async () => {
    const doc = (await request(t.app).get('/openapi.json')).body;
    const patch = doc.paths['/events/{id}'].patch;
    expect(Object.keys(patch.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '500',
      '503',
    ]);
    expect(patch.responses['409'].content['application/json'].schema.properties.error.properties.code.enum).toEqual([
      'CONFLICT',
    ]);
    expect(patch.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/events'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/events'].get.security).toBeUndefined(); // reads are public
    expect(doc.paths['/events/{id}'].get.security).toBeUndefined();
    expect(doc.paths['/events/{id}'].get.responses['200'].headers['X-Cache']).toBeDefined();
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
