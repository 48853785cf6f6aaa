import { randomUUID } from 'node:crypto';
import { type BookingMessageKind, type ParsedBookingMessage, parseBookingMessage } from '@ebs/contracts';
import type { EventSummary, Notification, NotificationsRepo, NotificationType } from '../data/notifications.repo';

/** Each kind of booking message becomes a notification of this type, saying the booking is `done`. */
const NOTIFICATION_OF: Record<BookingMessageKind, { type: NotificationType; done: string }> = {
  confirmed: { type: 'booking.confirmed', done: 'confirmed' },
  cancelled: { type: 'booking.cancelled', done: 'cancelled' },
};

export type BookingMessage = { subject: string; data: unknown };

/** Per message: stored (now or before), or why it can never be stored as it is. */
export type RecordOutcome = 'stored' | { invalid: string };

type Valid = ParsedBookingMessage['payload'] & { type: NotificationType; done: string };

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
  const parsed = messages.map((m): Valid | { invalid: string } => {
    const message = parseBookingMessage(m.subject, m.data);
    if ('invalid' in message) return message;
    return { ...message.payload, ...NOTIFICATION_OF[message.kind] };
  });
  const valid = parsed.filter((p): p is Valid => !('invalid' in p));
  if (valid.length > 0) {
    const events = await deps.notifications.eventSummaries(valid.map((v) => v.eventId));
    const now = new Date();
    await deps.notifications.insertMany(valid.map((v) => notification(v, events.get(v.eventId), now)));
  }
  return parsed.map((p) => ('invalid' in p ? p : 'stored'));
}

function notification(m: Valid, event: EventSummary | undefined, now: Date): Notification {
  const seats = m.quantity === 1 ? '1 seat' : `${m.quantity} seats`;
  const message = event
    ? `Your booking of ${seats} for "${event.name}" on ${event.startsAt.toISOString()} is ${m.done}.`
    : `Your booking of ${seats} is ${m.done}.`;
  return {
    id: randomUUID(),
    type: m.type,
    bookingId: m.bookingId,
    userId: m.userId,
    eventId: m.eventId,
    message: message.slice(0, 500),
    createdAt: now,
  };
}
