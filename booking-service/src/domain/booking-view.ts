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

/** The bookings.confirmed message (docs/messaging.md); its msgID is `<bookingId>.confirmed`. */
export const BOOKING_CONFIRMED = 'bookings.confirmed';
/** The bookings.cancelled message; its msgID is `<bookingId>.cancelled`, its payload adds cancelledAt. */
export const BOOKING_CANCELLED = 'bookings.cancelled';

const basePayload = (b: Booking) => ({
  bookingId: b.id,
  userId: b.userId,
  eventId: b.eventId,
  quantity: b.quantity,
  createdAt: b.createdAt.toISOString(),
});

export const confirmedMessage = (b: Booking, requestId?: string) => ({
  msgId: `${b.id}.confirmed`,
  subject: BOOKING_CONFIRMED,
  payload: basePayload(b),
  createdAt: b.createdAt,
  requestId,
});

/** For a booking just cancelled (cancelledAt set); the relay publishes it with msgID = msgId, like confirmed. */
export const cancelledMessage = (b: Booking & { cancelledAt: Date }) => ({
  msgId: `${b.id}.cancelled`,
  subject: BOOKING_CANCELLED,
  payload: { ...basePayload(b), cancelledAt: b.cancelledAt.toISOString() },
  createdAt: b.cancelledAt,
});
