import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EventSummary, Notification, NotificationsRepo, NotificationType } from '../data/notifications.repo';
import { uuid } from '../lib/validation';

/** The bookings.confirmed payload (docs/messaging.md). Extra fields are tolerated (newer publishers). */
const confirmedPayload = z.object({
  bookingId: uuid,
  userId: uuid,
  eventId: uuid,
  quantity: z.number().int().min(1).max(10),
  createdAt: z.iso.datetime({ offset: true }),
});

/** The bookings.cancelled payload: the booking as confirmed, plus when it was cancelled. */
const cancelledPayload = confirmedPayload.extend({ cancelledAt: z.iso.datetime({ offset: true }) });

/** Each subject this service stores, with the notification type it becomes. */
const SUBJECTS: Record<string, { type: NotificationType; schema: typeof confirmedPayload; done: string }> = {
  'bookings.confirmed': { type: 'booking.confirmed', schema: confirmedPayload, done: 'confirmed' },
  'bookings.cancelled': { type: 'booking.cancelled', schema: cancelledPayload, done: 'cancelled' },
};

export type BookingMessage = { subject: string; data: unknown };

/** Per message: stored (now or before), or why it can never be stored as it is. */
export type RecordOutcome = 'stored' | { invalid: string };

type Valid = z.infer<typeof confirmedPayload> & { type: NotificationType; done: string };

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
    const kind = SUBJECTS[m.subject];
    if (!kind) return { invalid: `unknown subject ${m.subject}` };
    const payload = kind.schema.safeParse(m.data);
    if (!payload.success) return { invalid: `invalid payload: ${z.prettifyError(payload.error)}` };
    return { ...payload.data, type: kind.type, done: kind.done };
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
