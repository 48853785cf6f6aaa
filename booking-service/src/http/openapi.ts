import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiDocument } from '../lib/openapi';
import { createBookingBody, listBookingsQuery } from './bookings.routes';

// The OpenAPI document of booking-service: the request schemas are the ones bookings.routes.ts validates with.

const timestamp = z.string().meta({ format: 'date-time', example: '2027-06-01T19:30:00.000Z' });
const id = z.string().meta({ format: 'uuid' });

const booking = z
  .object({
    id,
    userId: id,
    eventId: id,
    quantity: z.number().int().min(1).max(10),
    status: z.enum(['confirmed', 'cancelled']),
    createdAt: timestamp,
  })
  .meta({ id: 'Booking' });

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
          'message, commit. Lock waits are bounded: past the bound, 503 UNAVAILABLE.',
        auth: true,
        body: createBookingBody,
        responses: { 201: { description: 'Booked', schema: booking } },
        errors: ['VALIDATION_FAILED', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'SOLD_OUT', 'UNAVAILABLE'],
      },
      {
        method: 'get',
        path: '/bookings',
        tag: 'bookings',
        summary: 'List bookings, newest first, optionally by user and event',
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
    ],
  });
}
