import { describeOpenApiDocs } from '@ebs/service-kit/testing';
import request from 'supertest';
import { createTestApp } from './support/test-app';

// The kit's OpenAPI suite (valid 3.1, matches the router, Swagger UI), then this service's own operations.
const app = describeOpenApiDocs({ createApp: () => createTestApp(), served: 'POST /users', droppedGet: '/users/:id' });

describe("this service's operations in GET /openapi.json", () => {
  test('when the user operations are read, then they carry their error codes and bearer security where the access table requires it', async () => {
    const doc = (await request(app()).get('/openapi.json')).body;
    const post = doc.paths['/users'].post;
    expect(Object.keys(post.responses).sort()).toEqual(['201', '400', '409', '413', '500', '503']);
    expect(post.responses['409'].content['application/json'].schema.properties.error.properties.code.enum).toEqual([
      'EMAIL_TAKEN',
    ]);
    expect(post.security).toBeUndefined(); // public sign-up
    expect(doc.paths['/users'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/users/{id}'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/users'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'offset']);
  });
});
