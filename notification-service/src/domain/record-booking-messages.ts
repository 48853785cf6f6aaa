import { randomUUID } from 'node:crypto';
import { type BookingMessageKind, type ParsedBookingMessage, parseBookingMessage } from '@ebs/contracts';
import type { EventSummary, Notification, NotificationsRepo, NotificationType } from '../data/notifications.repo';

/** Each kind's payload as parsed: the confirmed fields, plus cancelledAt, expiresAt, waitlistEntryId by kind. */
type PayloadOf = { [M in ParsedBookingMessage as M['kind']]: M['payload'] };

/**
 * What a message is about, in words. seats: `2 seats for "Jazz Night" on 2099-06-01T19:30:00.000Z`, or just
 * `2 seats` when the event is not (or no longer) in the database; oneSeat: a single seat (for the verb).
 */
type Subject = { seats: string; oneSeat: boolean };

/** The notification a kind of message becomes: its type, and its text from that kind's own payload. */
type NotificationOf<K extends BookingMessageKind> = {
  type: NotificationType;
  text: (payload: PayloadOf[K], about: Subject) => string;
};

const NOTIFICATION_OF: { [K in BookingMessageKind]: NotificationOf<K> } = {
  confirmed: {
    type: 'booking.confirmed',
    text: (_, about) => `Your booking of ${about.seats} is confirmed.`,
  },
  cancelled: {
    type: 'booking.cancelled',
    text: (_, about) => `Your booking of ${about.seats} is cancelled.`,
  },
  expired: {
    type: 'booking.expired',
    text: (p, about) =>
      `Your hold of ${about.seats} expired at ${instant(p.expiresAt)}; ` +
      `${about.oneSeat ? 'the seat was' : 'the seats were'} released.`,
  },
  offered: {
    type: 'waitlist.offered',
    text: (p, about) =>
      `${about.seats} ${about.oneSeat ? 'is' : 'are'} held for you: confirm booking ${p.bookingId} ` +
      `(POST /bookings/${p.bookingId}/confirm) by ${instant(p.expiresAt)}.`,
  },
};

export type BookingMessage = { subject: string; data: unknown };

/** Per message: stored (now or before), or why it can never be stored as it is. */
export type RecordOutcome = 'stored' | { invalid: string };

/**
 * Stores one notification per (booking, type) for a batch of bookings.* messages in one multi-row insert:
 * 'stored' once committed (or already there: redelivery and duplicates change nothing), invalid for a
 * malformed payload or a subject this service does not know. A database failure throws (nothing of the
 * batch is stored, the caller retries).
 */
export async function recordBookingMessages(
  deps: { notifications: NotificationsRepo },
  messages: BookingMessage[],
): Promise<RecordOutcome[]> {
  const parsed = messages.map((m) => parseBookingMessage(m.subject, m.data));
  const valid = parsed.filter((p): p is ParsedBookingMessage => !('invalid' in p));
  if (valid.length > 0) {
    const events = await deps.notifications.eventSummaries(valid.map((v) => v.payload.eventId));
    const now = new Date();
    await deps.notifications.insertMany(valid.map((v) => notification(v, events.get(v.payload.eventId), now)));
  }
  return parsed.map((p) => ('invalid' in p ? p : 'stored'));
}

function notification<K extends BookingMessageKind>(
  m: { kind: K; payload: PayloadOf[K] },
  event: EventSummary | undefined,
  now: Date,
): Notification {
  const { type, text } = NOTIFICATION_OF[m.kind];
  const { bookingId, userId, eventId, quantity } = m.payload;
  const seats = quantity === 1 ? '1 seat' : `${quantity} seats`;
  const about = {
    seats: event ? `${seats} for "${event.name}" on ${event.startsAt.toISOString()}` : seats,
    oneSeat: quantity === 1,
  };
  return {
    id: randomUUID(),
    type,
    bookingId,
    userId,
    eventId,
    message: text(m.payload, about).slice(0, 500),
    createdAt: now,
  };
}

/** A payload's timestamp (any offset) as the API writes instants: UTC with milliseconds and Z. */
function instant(timestamp: string): string {
  return new Date(timestamp).toISOString();
}
