import { buildOpenApiDocument, type OpenApiDocument } from '@ebs/service-kit/observability';
import { z } from 'zod';
import { BOOKING_STATUSES } from '../data/bookings.repo';
import { WAITLIST_STATUSES } from '../data/waitlist.repo';
import { createBookingBody, idempotencyHeader, listBookingsQuery } from './bookings.routes';
import { joinWaitlistBody, listWaitlistQuery } from './waitlist.routes';

// The OpenAPI document of booking-service: the request schemas are the ones bookings.routes.ts validates with.

const timestamp = z.string().meta({ format: 'date-time', example: '2099-06-01T19:30:00.000Z' });
const id = z.string().meta({ format: 'uuid' });

// Example values (Swagger UI's "Try it out" starts from them; scripts/check-docs.test.mjs validates them against
// their schemas and the access rules: a request example carries no userId, which a customer would get 403 for).
const EXAMPLE = {
  bookingId: '3f0c8a52-6a7e-4d0b-9c1e-2b7d5f4a9e10',
  userId: '6c1f2b7e-9a4d-4e3b-8f0a-1d2c3b4a5e6f',
  eventId: '9b2e4c6d-1f3a-4b5c-8d7e-0a1b2c3d4e5f',
  entryId: 'c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f',
  createdAt: '2099-05-01T09:00:00.000Z',
};

const booking = z
  .object({
    id,
    userId: id,
    eventId: id,
    quantity: z.number().int().min(1).max(10),
    status: z.enum(BOOKING_STATUSES),
    createdAt: timestamp,
    expiresAt: timestamp
      .optional()
      .meta({ description: 'Only on a hold (held) or a hold that expired: its deadline, by MySQL’s clock' }),
    cancelledAt: timestamp.optional().meta({ description: 'Only on a cancelled booking' }),
  })
  .meta({
    id: 'Booking',
    example: {
      id: EXAMPLE.bookingId,
      userId: EXAMPLE.userId,
      eventId: EXAMPLE.eventId,
      quantity: 1,
      status: 'confirmed',
      createdAt: EXAMPLE.createdAt,
    },
  });

const waitlistEntry = z
  .object({
    id,
    eventId: id,
    userId: id,
    quantity: z.number().int().min(1).max(10),
    status: z.enum(WAITLIST_STATUSES),
    position: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Only while waiting: 1 = first in line (among the waiting entries of the event)' }),
    bookingId: id.optional().meta({ description: 'Once offered: the hold to confirm (POST /bookings/:id/confirm)' }),
    expiresAt: timestamp.optional().meta({ description: 'Once offered: the deadline of that hold' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({
    id: 'WaitlistEntry',
    example: {
      id: EXAMPLE.entryId,
      eventId: EXAMPLE.eventId,
      userId: EXAMPLE.userId,
      quantity: 1,
      status: 'waiting',
      position: 1,
      createdAt: EXAMPLE.createdAt,
      updatedAt: EXAMPLE.createdAt,
    },
  });

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
      'Bookings, holds and the waitlist: seats taken under the event row lock, never oversold; holds released ' +
      'exactly once; seats that come back offered to the waitlist in line order; every change is published to ' +
      'NATS JetStream (bookings.confirmed, cancelled, expired, offered) through a transactional outbox.',
    readyChecks: ['mysql', 'nats'],
    operations: [
      {
        method: 'post',
        path: '/bookings',
        tag: 'bookings',
        summary: 'Book seats (quantity 1-10, default 1), or hold them for a checkout window (hold: true)',
        description:
          'One MySQL transaction: lock the event row, check seats, decrement, insert the booking and its outbox ' +
          'message, commit. Lock waits are bounded: past the bound, 503 UNAVAILABLE. With hold: true the seats ' +
          'are taken at once and the booking is held (status held, expiresAt = now + HOLD_TTL_SECONDS) until ' +
          'confirmed; no message until then. With an Idempotency-Key ' +
          '(scoped to the caller, kept 24 h) a retry answers the booking already made (header Idempotent-Replayed: ' +
          'true) and books nothing; the same key with another body is 422 IDEMPOTENCY_MISMATCH. An event that ' +
          'has started is 409 CONFLICT.',
        auth: true,
        headers: idempotencyHeader,
        body: createBookingBody.meta({ example: { eventId: EXAMPLE.eventId, quantity: 1 } }),
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
        errors: ['VALIDATION_FAILED', 'INVALID_JSON', 'NOT_FOUND', 'CONFLICT', 'HOLD_EXPIRED', 'UNAVAILABLE'],
      },
      {
        method: 'post',
        path: '/bookings/:id/confirm',
        tag: 'bookings',
        summary: 'Confirm a hold (its owner or an admin) before its expiresAt',
        description:
          'Under the event row lock (share mode: confirms of one event run side by side), by MySQL’s clock: a hold ' +
          'not yet expired becomes confirmed (same id) and ' +
          'bookings.confirmed goes to the outbox; confirming again answers the same 200. A hold past its ' +
          'expiresAt is 409 HOLD_EXPIRED (its seats are released, swept yet or not); a cancelled one, or one of an ' +
          'event that has started, 409 CONFLICT.',
        auth: true,
        responses: { 200: { description: 'The confirmed booking', schema: booking } },
        errors: ['VALIDATION_FAILED', 'INVALID_JSON', 'NOT_FOUND', 'CONFLICT', 'HOLD_EXPIRED', 'UNAVAILABLE'],
      },
      {
        method: 'post',
        path: '/waitlist',
        tag: 'waitlist',
        summary: 'Join the waitlist of an event that cannot serve the quantity now',
        description:
          'Seats that come back to the event (a cancel, an expired or cancelled hold, a higher totalSeats) are ' +
          'offered in line order as holds (OFFER_TTL_SECONDS): the entry becomes offered with the bookingId to ' +
          'confirm. 409 SEATS_AVAILABLE when the event can serve the quantity now (book instead); 409 CONFLICT ' +
          'for a second active entry of the user for the event, or an event that has started. Idempotency-Key ' +
          'as for POST /bookings.',
        auth: true,
        headers: idempotencyHeader,
        body: joinWaitlistBody.meta({ example: { eventId: EXAMPLE.eventId, quantity: 1 } }),
        responses: {
          201: { description: 'In line (or the replay of that entry)', schema: waitlistEntry, headers: replayedHeader },
        },
        errors: [
          'VALIDATION_FAILED',
          'INVALID_JSON',
          'PAYLOAD_TOO_LARGE',
          'NOT_FOUND',
          'SEATS_AVAILABLE',
          'CONFLICT',
          'IDEMPOTENCY_MISMATCH',
          'UNAVAILABLE',
        ],
      },
      {
        method: 'get',
        path: '/waitlist',
        tag: 'waitlist',
        summary: 'List waitlist entries, newest first, optionally by user, event and status',
        auth: true,
        query: listWaitlistQuery,
        responses: { 200: { description: 'A page of entries', schema: page(waitlistEntry, 'WaitlistEntryPage') } },
        errors: ['VALIDATION_FAILED', 'UNAVAILABLE'],
      },
      {
        method: 'get',
        path: '/waitlist/:id',
        tag: 'waitlist',
        summary: 'Read one waitlist entry (with its position while waiting)',
        auth: true,
        responses: { 200: { description: 'The entry', schema: waitlistEntry } },
        errors: ['NOT_FOUND', 'UNAVAILABLE'],
      },
      {
        method: 'post',
        path: '/waitlist/:id/leave',
        tag: 'waitlist',
        summary: 'Leave the waitlist; an offered entry releases its hold to the next in line',
        description:
          'waiting or offered -> left (an offer’s hold is cancelled, its seats offered to the next in line); ' +
          'leaving again answers the same 200; a confirmed or expired entry is 409 CONFLICT.',
        auth: true,
        responses: { 200: { description: 'The entry, left', schema: waitlistEntry } },
        errors: ['VALIDATION_FAILED', 'INVALID_JSON', 'NOT_FOUND', 'CONFLICT', 'HOLD_EXPIRED', 'UNAVAILABLE'],
      },
    ],
  });
}
