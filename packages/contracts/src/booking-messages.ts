import { z } from 'zod';
import { isSaneRequestId, uuid } from './ids';

// The booking messages (docs/messaging.md): one subject per kind, one payload schema per kind, one msgID rule.
// booking-service builds them with bookingMessage(); notification-service and event-service parse them with
// parseBookingMessage() / eventOfMessage(). Changing a payload here is a compile error wherever it matters.

export const BOOKING_SUBJECTS = {
  confirmed: 'bookings.confirmed',
  cancelled: 'bookings.cancelled',
  expired: 'bookings.expired',
  offered: 'bookings.offered',
} as const;

export type BookingMessageKind = keyof typeof BOOKING_SUBJECTS;
export type BookingSubject = (typeof BOOKING_SUBJECTS)[BookingMessageKind];

const timestamp = z.iso.datetime({ offset: true });

/** bookings.confirmed: a booking was made. Extra fields are tolerated (a newer publisher may add some). */
export const bookingConfirmedPayload = z.object({
  bookingId: uuid,
  userId: uuid,
  eventId: uuid,
  quantity: z.number().int().min(1).max(10),
  createdAt: timestamp,
});

/** bookings.cancelled: the booking as confirmed, plus when it was cancelled. */
export const bookingCancelledPayload = bookingConfirmedPayload.extend({ cancelledAt: timestamp });

/** bookings.expired: a hold was not confirmed by expiresAt; its seats came back. */
export const bookingExpiredPayload = bookingConfirmedPayload.extend({ expiresAt: timestamp });

/**
 * bookings.offered: seats that came back were held for a waitlist entry; the user confirms the hold `bookingId`
 * by `expiresAt` (POST /bookings/:id/confirm), else it expires and moves down the line. `waitlistEntryId` names
 * the entry: booking-service always sends it, but DESIGN §4 does not list it, so a consumer must not need it.
 */
export const bookingOfferedPayload = bookingConfirmedPayload.extend({
  expiresAt: timestamp,
  waitlistEntryId: uuid.optional(),
});

export const BOOKING_PAYLOADS = {
  confirmed: bookingConfirmedPayload,
  cancelled: bookingCancelledPayload,
  expired: bookingExpiredPayload,
  offered: bookingOfferedPayload,
} as const satisfies Record<BookingMessageKind, z.ZodType>;

/** The payload of one kind, as the publisher writes it (ids already lower-case, timestamps ISO 8601 UTC). */
export type BookingPayload<K extends BookingMessageKind> = z.input<(typeof BOOKING_PAYLOADS)[K]>;
export type BookingConfirmedPayload = BookingPayload<'confirmed'>;
export type BookingCancelledPayload = BookingPayload<'cancelled'>;
export type BookingExpiredPayload = BookingPayload<'expired'>;
export type BookingOfferedPayload = BookingPayload<'offered'>;

/** The msgID (header Nats-Msg-Id) of a booking message: `<bookingId>.<kind>`; JetStream drops a re-publish. */
export const msgIdOf = (bookingId: string, kind: BookingMessageKind): string => `${bookingId}.${kind}`;

/** Header names the messages carry: the msgID, and the id of the HTTP request that caused the message. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';
export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * The headers of a booking message: its msgID (`<bookingId>.<kind>`, what JetStream's duplicate window keys on)
 * and, when the message came from an HTTP request, that request's id (sane, else left out by the publisher).
 */
export const bookingMessageHeaders = z.object({
  [MSG_ID_HEADER]: z
    .string()
    .regex(
      new RegExp(
        `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.(${Object.keys(BOOKING_SUBJECTS).join('|')})$`,
      ),
      'must be <bookingId>.<kind>',
    ),
  [REQUEST_ID_HEADER]: z.string().refine(isSaneRequestId, 'must be 1-128 of A-Z a-z 0-9 . _ : -').optional(),
});

export type OutgoingBookingMessage<K extends BookingMessageKind = BookingMessageKind> = {
  kind: K;
  subject: (typeof BOOKING_SUBJECTS)[K];
  msgId: string;
  payload: BookingPayload<K>;
};

/** A message to publish: its subject and msgID follow from the kind and the booking id. */
export function bookingMessage<K extends BookingMessageKind>(
  kind: K,
  payload: BookingPayload<K>,
): OutgoingBookingMessage<K> {
  return { kind, subject: BOOKING_SUBJECTS[kind], msgId: msgIdOf(payload.bookingId, kind), payload };
}

export type ParsedBookingMessage = {
  [K in BookingMessageKind]: { kind: K; payload: z.output<(typeof BOOKING_PAYLOADS)[K]> };
}[BookingMessageKind];

const KIND_OF_SUBJECT = new Map<string, BookingMessageKind>(
  Object.entries(BOOKING_SUBJECTS).map(([kind, subject]) => [subject, kind as BookingMessageKind]),
);

/** A received message checked against its subject's schema, or why it cannot be handled as it is. */
export function parseBookingMessage(subject: string, data: unknown): ParsedBookingMessage | { invalid: string } {
  const kind = KIND_OF_SUBJECT.get(subject);
  if (!kind) return { invalid: `unknown subject ${subject}` };
  const parsed = BOOKING_PAYLOADS[kind].safeParse(data);
  if (!parsed.success) return { invalid: `invalid payload: ${z.prettifyError(parsed.error)}` };
  return { kind, payload: parsed.data } as ParsedBookingMessage;
}

/** Every bookings.* message names the event whose seats it moved: what a consumer that only needs that reads. */
export const eventOfMessage = z.object({ eventId: uuid });
