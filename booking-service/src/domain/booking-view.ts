import { type BookingConfirmedPayload, bookingMessage } from '@ebs/contracts';
import type { Booking } from '../data/bookings.repo';

/**
 * A booking as the API answers it. `cancelledAt` is present only on a cancelled booking: a confirmed one
 * keeps exactly the fields docs/api.md lists for POST /bookings' 201.
 */
export type BookingView = {
  id: string;
  userId: string;
  eventId: string;
  quantity: number;
  status: Booking['status'];
  createdAt: string;
  cancelledAt?: string;
};

export const bookingView = (b: Booking): BookingView => ({
  id: b.id,
  userId: b.userId,
  eventId: b.eventId,
  quantity: b.quantity,
  status: b.status,
  createdAt: b.createdAt.toISOString(),
  ...(b.cancelledAt ? { cancelledAt: b.cancelledAt.toISOString() } : {}),
});

const basePayload = (b: Booking): BookingConfirmedPayload => ({
  bookingId: b.id,
  userId: b.userId,
  eventId: b.eventId,
  quantity: b.quantity,
  createdAt: b.createdAt.toISOString(),
});

/** The bookings.confirmed message of a booking just made (subject, msgID and payload from @ebs/contracts). */
export const confirmedMessage = (b: Booking, requestId?: string) => ({
  ...bookingMessage('confirmed', basePayload(b)),
  createdAt: b.createdAt,
  requestId,
});

/** The bookings.cancelled message of a booking just cancelled (cancelledAt set). */
export const cancelledMessage = (b: Booking & { cancelledAt: Date }) => ({
  ...bookingMessage('cancelled', { ...basePayload(b), cancelledAt: b.cancelledAt.toISOString() }),
  createdAt: b.cancelledAt,
});
