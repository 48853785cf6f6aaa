import type { Booking } from '../data/bookings.repo';

export type BookingView = {
  id: string;
  userId: string;
  eventId: string;
  quantity: number;
  status: Booking['status'];
  createdAt: string;
};

export const bookingView = (b: Booking): BookingView => ({
  id: b.id,
  userId: b.userId,
  eventId: b.eventId,
  quantity: b.quantity,
  status: b.status,
  createdAt: b.createdAt.toISOString(),
});

/** The bookings.confirmed message (docs/messaging.md); its msgID is `<bookingId>.confirmed`. */
export const BOOKING_CONFIRMED = 'bookings.confirmed';

export const confirmedMessage = (b: Booking, requestId?: string) => ({
  msgId: `${b.id}.confirmed`,
  subject: BOOKING_CONFIRMED,
  payload: {
    bookingId: b.id,
    userId: b.userId,
    eventId: b.eventId,
    quantity: b.quantity,
    createdAt: b.createdAt.toISOString(),
  },
  createdAt: b.createdAt,
  requestId,
});
