import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { NotificationsRepo } from '../data/notifications.repo';

/** The bookings.confirmed payload (docs/messaging.md). Extra fields are tolerated (newer publishers). */
export const bookingConfirmedSchema = z.object({
  bookingId: z.uuid(),
  userId: z.uuid(),
  eventId: z.uuid(),
  quantity: z.number().int().min(1).max(10),
  createdAt: z.iso.datetime({ offset: true }),
});

export type BookingConfirmed = z.infer<typeof bookingConfirmedSchema>;

/**
 * Stores the notification of one confirmed booking: 'ack' once it is stored (or was already), 'drop' for a
 * malformed message. A database failure throws, so the message is redelivered later.
 */
export async function recordBookingConfirmed(
  deps: { notifications: NotificationsRepo },
  data: unknown,
): Promise<'ack' | 'drop'> {
  const parsed = bookingConfirmedSchema.safeParse(data);
  if (!parsed.success) return 'drop';
  const m = parsed.data;
  const event = await deps.notifications.eventSummary(m.eventId);
  const seats = m.quantity === 1 ? '1 seat' : `${m.quantity} seats`;
  const message = event
    ? `Your booking of ${seats} for "${event.name}" on ${event.startsAt.toISOString()} is confirmed.`
    : `Your booking of ${seats} is confirmed.`;
  await deps.notifications.insert({
    id: randomUUID(),
    type: 'booking.confirmed',
    bookingId: m.bookingId.toLowerCase(),
    userId: m.userId.toLowerCase(),
    eventId: m.eventId.toLowerCase(),
    message: message.slice(0, 500),
    createdAt: new Date(),
  });
  return 'ack';
}
