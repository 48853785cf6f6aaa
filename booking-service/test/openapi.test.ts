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
    expect(listRoutes(t.app)).toEqual(expect.arrayContaining([{ method: 'POST', path: '/bookings' }]));
  });

  test('when a route exists without a spec path, or a spec path without a route, then the comparison names both', async () => {
    const doc = (await request(t.app).get('/openapi.json')).body as OpenApiDocument;
    const routes = [...listRoutes(t.app).filter((r) => r.path !== '/bookings/:id'), { method: 'GET', path: '/extra' }];
    expect(compareWithRoutes(doc, routes)).toEqual({
      withoutSpec: ['GET /extra'],
      withoutRoute: ['GET /bookings/:id'],
    });
  });

  test('when the booking operations are read, then they carry their error codes and the bearer scheme', async () => {
    const doc = (await request(t.app).get('/openapi.json')).body;
    const post = doc.paths['/bookings'].post;
    expect(Object.keys(post.responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '422',
      '500',
      '503',
    ]);
    expect(post.responses['409'].content['application/json'].schema.properties.error.properties.code.enum).toEqual([
      'SOLD_OUT',
      'CONFLICT',
    ]);
    expect(post.responses['422'].content['application/json'].schema.properties.error.properties.code.enum).toEqual([
      'IDEMPOTENCY_MISMATCH',
    ]);
    expect(post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'Idempotency-Key', required: false })]),
    );
    expect(post.responses['201'].headers['Idempotent-Replayed']).toBeDefined();
    const cancel = doc.paths['/bookings/{id}/cancel'].post;
    expect(Object.keys(cancel.responses)).toEqual(expect.arrayContaining(['200', '404', '409']));
    expect(cancel.security).toEqual([{ bearerAuth: [] }]);
    const list = doc.paths['/bookings'].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(expect.arrayContaining(['userId', 'eventId', 'status', 'limit', 'offset']));
    expect(post.security).toEqual([{ bearerAuth: [] }]);
    expect(post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/health'].get.security).toBeUndefined();
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
