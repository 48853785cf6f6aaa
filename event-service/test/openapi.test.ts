import { describeOpenApiDocs } from '@ebs/service-kit/testing';
import request from 'supertest';
import { createTestApp } from './support/test-app';

// The kit's OpenAPI suite (valid 3.1, matches the router, Swagger UI), then this service's own operations.
const app = describeOpenApiDocs({
  createApp: () => createTestApp(),
  served: 'PATCH /events/:id',
  droppedGet: '/events/:id',
});

describe("this service's operations in GET /openapi.json", () => {
  test('when the event operations are read, then they carry their error codes and bearer security where the access table requires it', async () => {
    const doc = (await request(app()).get('/openapi.json')).body;
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
