import { buildOpenApiDocument, type OpenApiDocument } from '@ebs/service-kit/observability';
import { z } from 'zod';
import { createBody, listQuery, patchBody } from './events.routes';

// The OpenAPI document of event-service: the request schemas are the ones events.routes.ts validates with.

const timestamp = z.string().meta({ format: 'date-time', example: '2099-06-01T19:30:00.000Z' });

const eventFields = {
  id: z.string().meta({ format: 'uuid' }),
  name: z.string(),
  description: z.string().nullable(),
  venue: z.string().nullable(),
  startsAt: timestamp,
  totalSeats: z.number().int(),
  availableSeats: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
};
const event = z.object(eventFields).meta({ id: 'Event' });
const cachedEvent = z
  .object({
    ...eventFields,
    cached: z.boolean().meta({ description: 'true when answered from Redis, false when read from MySQL' }),
  })
  .meta({ id: 'CachedEvent' });

const eventPage = z
  .object({
    data: z.array(event),
    pagination: z.object({ limit: z.number().int(), offset: z.number().int(), total: z.number().int() }),
  })
  .meta({ id: 'EventPage' });

export function buildOpenApi(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'event-service',
    version: '1.0.0',
    description:
      'Events and their seats. Single reads are cached in Redis (CACHE_TTL seconds) but availability is never ' +
      'decided from the cache: a read that starts after a booking, cancel or change shows its effect.',
    readyChecks: ['mysql', 'redis', 'nats'],
    operations: [
      {
        method: 'post',
        path: '/events',
        tag: 'events',
        summary: 'Create an event (admin); startsAt must lie in the future',
        auth: true,
        body: createBody.meta({
          example: {
            name: 'Jazz Night',
            description: 'Quartet',
            venue: 'Blue Hall',
            startsAt: '2099-06-01T19:30:00Z',
            totalSeats: 100,
          },
        }),
        responses: { 201: { description: 'Created; every seat available', schema: event } },
        errors: ['VALIDATION_FAILED', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'UNAVAILABLE'],
      },
      {
        method: 'get',
        path: '/events',
        tag: 'events',
        summary: 'List events, newest first',
        query: listQuery,
        responses: { 200: { description: 'A page of events', schema: eventPage } },
        errors: ['VALIDATION_FAILED', 'UNAVAILABLE'],
      },
      {
        method: 'get',
        path: '/events/:id',
        tag: 'events',
        summary: 'Read one event, through the Redis cache',
        responses: {
          200: {
            description: 'The event; `cached` says where it came from',
            schema: cachedEvent,
            headers: { 'X-Cache': { schema: { type: 'string', enum: ['HIT', 'MISS'] } } },
          },
        },
        errors: ['NOT_FOUND', 'UNAVAILABLE'],
      },
      {
        method: 'patch',
        path: '/events/:id',
        tag: 'events',
        summary: 'Change an event (admin): any of name, description, venue, startsAt, totalSeats',
        description:
          'Changing totalSeats moves availableSeats by the same amount under the row lock bookings use; a total ' +
          'below the seats already booked is 409 CONFLICT. An empty body is 400.',
        auth: true,
        body: patchBody.meta({ example: { totalSeats: 120 } }),
        responses: { 200: { description: 'The changed event', schema: event } },
        errors: ['VALIDATION_FAILED', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'CONFLICT', 'UNAVAILABLE'],
      },
    ],
  });
}
