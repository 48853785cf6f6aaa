import { buildOpenApiDocument, type OpenApiDocument } from '@ebs/service-kit/observability';
import { z } from 'zod';
import { createBookingBody, idempotencyHeader, listBookingsQuery } from './bookings.routes';

// The OpenAPI document of booking-service: the request schemas are the ones bookings.routes.ts validates with.

const timestamp = z.string().meta({ format: 'date-time', example: '2099-06-01T19:30:00.000Z' });
const id = z.string().meta({ format: 'uuid' });

const booking = z
  .object({
    id,
    userId: id,
    eventId: id,
    quantity: z.number().int().min(1).max(10),
    status: z.enum(['confirmed', 'cancelled']),
    createdAt: timestamp,
    cancelledAt: timestamp.optional().meta({ description: 'Only on a cancelled booking' }),
  })
  .meta({ id: 'Booking' });

const replayedHeader = {
  'Idempotent-Replayed': {
    schema: { type: 'string' as const, enum: ['true'] },
    description: 'Present (true) when this answer is the replay of a booking an earlier request with the same key made',
  },
};

const page = (item: z.ZodType, name: string) =>
  z
    .object({
      data: z.array(item),
      pagination: z.object({ limit: z.number().int(), offset: z.number().int(), total: z.number().int() }),
    })
    .meta({ id: name });

export function buildOpenApi(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'booking-service',
    version: '1.0.0',
    description:
      'Bookings: seats taken under the event row lock, never oversold; every confirmed booking is published to ' +
      'NATS JetStream (bookings.confirmed) through a transactional outbox.',
    readyChecks: ['mysql', 'nats'],
    operations: [
      {
        method: 'post',
        path: '/bookings',
        tag: 'bookings',
        summary: 'Book seats (quantity 1-10, default 1)',
        description:
          'One MySQL transaction: lock the event row, check seats, decrement, insert the booking and its outbox ' +
          'message, commit. Lock waits are bounded: past the bound, 503 UNAVAILABLE. With an Idempotency-Key ' +
          '(scoped to the caller, kept 24 h) a retry answers the booking already made (header Idempotent-Replayed: ' +
          'true) and books nothing; the same key with another body is 422 IDEMPOTENCY_MISMATCH. An event that ' +
          'has started is 409 CONFLICT.',
        auth: true,
        headers: idempotencyHeader,
        body: createBookingBody,
        responses: {
          201: { description: 'Booked (or the replay of that booking)', schema: booking, headers: replayedHeader },
        },
        errors: [
          'VALIDATION_FAILED',
          'INVALID_JSON',
          'PAYLOAD_TOO_LARGE',
          'NOT_FOUND',
          'SOLD_OUT',
          'CONFLICT',
          'IDEMPOTENCY_MISMATCH',
          'UNAVAILABLE',
        ],
      },
      {
        method: 'get',
        path: '/bookings',
        tag: 'bookings',
        summary: 'List bookings, newest first, optionally by user, event and status',
        auth: true,
        query: listBookingsQuery,
        responses: { 200: { description: 'A page of bookings', schema: page(booking, 'BookingPage') } },
        errors: ['VALIDATION_FAILED', 'UNAVAILABLE'],
      },
      {
        method: 'get',
        path: '/bookings/:id',
        tag: 'bookings',
        summary: 'Read one booking',
        auth: true,
        responses: { 200: { description: 'The booking', schema: booking } },
        errors: ['NOT_FOUND', 'UNAVAILABLE'],
      },
      {
        method: 'post',
        path: '/bookings/:id/cancel',
        tag: 'bookings',
        summary: 'Cancel a booking (its owner or an admin): its seats go back to the event',
        description:
          'One transaction under the event row lock: the booking becomes cancelled, its seats return, a ' +
          'bookings.cancelled message goes to the outbox. Cancelling a cancelled booking answers the same 200 ' +
          'again and returns nothing twice. An event that has started is 409 CONFLICT.',
        auth: true,
        responses: { 200: { description: 'The cancelled booking', schema: booking } },
        errors: ['VALIDATION_FAILED', 'INVALID_JSON', 'NOT_FOUND', 'CONFLICT', 'UNAVAILABLE'],
      },
    ],
  });
}
