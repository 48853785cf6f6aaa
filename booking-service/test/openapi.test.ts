import { describeOpenApiDocs } from '@ebs/service-kit/testing';
import request from 'supertest';
import { createTestApp } from './support/test-app';

// The kit's OpenAPI suite (valid 3.1, matches the router, Swagger UI), then this service's own operations.
const app = describeOpenApiDocs({
  createApp: () => createTestApp(),
  served: 'POST /bookings',
  droppedGet: '/bookings/:id',
});

describe("this service's operations in GET /openapi.json", () => {
  test('when the booking operations are read, then they carry their error codes and the bearer scheme', async () => {
    const doc = (await request(app()).get('/openapi.json')).body;
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

describe('the hold and waitlist operations in GET /openapi.json', () => {
  const codes409 = (op: { responses: Record<string, { content: Record<string, { schema: Any }> }> }) =>
    op.responses['409']?.content['application/json']?.schema.properties.error.properties.code.enum;
  type Any = { properties: { error: { properties: { code: { enum: string[] } } } } };

  test('when confirm and the waitlist routes are read, then they are documented with their own 409 codes and the bearer scheme', async () => {
    const doc = (await request(app()).get('/openapi.json')).body;
    const confirm = doc.paths['/bookings/{id}/confirm'].post;
    expect(codes409(confirm)).toEqual(['CONFLICT', 'HOLD_EXPIRED']);
    expect(confirm.security).toEqual([{ bearerAuth: [] }]);
    expect(codes409(doc.paths['/bookings/{id}/cancel'].post)).toEqual(['CONFLICT', 'HOLD_EXPIRED']);
    const join = doc.paths['/waitlist'].post;
    expect(codes409(join)).toEqual(['SEATS_AVAILABLE', 'CONFLICT']);
    expect(Object.keys(join.requestBody.content['application/json'].schema.properties).sort()).toEqual([
      'eventId',
      'quantity',
      'userId',
    ]);
    expect(join.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'Idempotency-Key' })]),
    );
    const list = doc.paths['/waitlist'].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(expect.arrayContaining(['userId', 'eventId', 'status', 'limit', 'offset']));
    expect(doc.paths['/waitlist/{id}'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/waitlist/{id}/leave'].post.security).toEqual([{ bearerAuth: [] }]);
    const booking = doc.components.schemas.Booking;
    expect(booking.properties.status.enum).toEqual(['held', 'confirmed', 'cancelled', 'expired']);
    expect(booking.properties.expiresAt).toBeDefined();
    expect(doc.paths['/bookings'].post.requestBody.content['application/json'].schema.properties.hold).toMatchObject({
      type: 'boolean',
    });
  });
});
