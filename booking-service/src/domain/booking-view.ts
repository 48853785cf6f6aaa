import { type BookingConfirmedPayload, bookingMessage } from '@ebs/contracts';
import type { Booking } from '../data/bookings.repo';

/**
 * A booking as the API answers it. `expiresAt` is present on a hold (held) and on a hold that expired,
 * `cancelledAt` only on a cancelled booking: a confirmed one keeps exactly the fields docs/api.md lists for
 * POST /bookings' 201.
 */
export type BookingView = {
  id: string;
  userId: string;
  eventId: string;
  quantity: number;
  status: Booking['status'];
  createdAt: string;
  expiresAt?: string;
  cancelledAt?: string;
};

export const bookingView = (b: Booking): BookingView => ({
  id: b.id,
  userId: b.userId,
  eventId: b.eventId,
  quantity: b.quantity,
  status: b.status,
  createdAt: b.createdAt.toISOString(),
  ...(b.expiresAt && (b.status === 'held' || b.status === 'expired') ? { expiresAt: b.expiresAt.toISOString() } : {}),
  ...(b.cancelledAt ? { cancelledAt: b.cancelledAt.toISOString() } : {}),
});

const basePayload = (b: Booking): BookingConfirmedPayload => ({
  bookingId: b.id,
  userId: b.userId,
  eventId: b.eventId,
  quantity: b.quantity,
  createdAt: b.createdAt.toISOString(),
});

/**
 * The bookings.confirmed message of a booking just made, or of a hold just confirmed (subject, msgID and
 * payload from @ebs/contracts). The outbox row is dated `at`, when it was written (a confirm: now, not when the
 * hold was made, so the outbox's age gauge tells the truth); the payload keeps the booking's createdAt.
 */
export const confirmedMessage = (b: Booking, requestId?: string, at: Date = b.createdAt) => ({
  ...bookingMessage('confirmed', basePayload(b)),
  createdAt: at,
  requestId,
});

/** The bookings.cancelled message of a booking just cancelled (cancelledAt set). */
export const cancelledMessage = (b: Booking & { cancelledAt: Date }, requestId?: string) => ({
  ...bookingMessage('cancelled', { ...basePayload(b), cancelledAt: b.cancelledAt.toISOString() }),
  createdAt: b.cancelledAt,
  requestId,
});

/** The bookings.expired message of a hold that expired, stamped with the time its seats came back. */
export const expiredMessage = (b: Booking & { expiresAt: Date }, releasedAt: Date) => ({
  ...bookingMessage('expired', { ...basePayload(b), expiresAt: b.expiresAt.toISOString() }),
  createdAt: releasedAt,
});

/** The bookings.offered message of a hold made for a waitlist entry: confirm `bookingId` by `expiresAt`. */
export const offeredMessage = (b: Booking & { expiresAt: Date }, waitlistEntryId: string, requestId?: string) => ({
  ...bookingMessage('offered', { ...basePayload(b), expiresAt: b.expiresAt.toISOString(), waitlistEntryId }),
  createdAt: b.createdAt,
  requestId,
});
