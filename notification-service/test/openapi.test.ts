import { describeOpenApiDocs } from '@ebs/service-kit/testing';
import request from 'supertest';
import { createTestApp } from './support/test-app';

// The kit's OpenAPI suite (valid 3.1, matches the router, Swagger UI), then this service's own operations.
const app = describeOpenApiDocs({
  createApp: () => createTestApp(),
  served: 'GET /notifications',
  droppedGet: '/notifications',
});

describe("this service's operations in GET /openapi.json", () => {
  test('when the notification operation is read, then it carries its error codes, filters and the bearer scheme', async () => {
    const doc = (await request(app()).get('/openapi.json')).body;
    const list = doc.paths['/notifications'].get;
    expect(Object.keys(list.responses).sort()).toEqual(['200', '400', '401', '403', '500', '503']);
    expect(list.security).toEqual([{ bearerAuth: [] }]);
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'offset', 'userId', 'bookingId']);
  });

  test('when the Notification schema is read, then its type lists the four notification types', async () => {
    const doc = (await request(app()).get('/openapi.json')).body;
    expect(doc.components.schemas.Notification.properties.type.enum).toEqual([
      'booking.confirmed',
      'booking.cancelled',
      'booking.expired',
      'waitlist.offered',
    ]);
  });
});
