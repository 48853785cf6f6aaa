import type { BookingFilters, BookingsRepo } from '../data/bookings.repo';
import { notFound } from '../lib/errors';
import { type Page, type Paginated, paginated } from '../lib/pagination';
import { type BookingView, bookingView } from './booking-view';

export async function getBooking(deps: { bookings: BookingsRepo }, id: string): Promise<BookingView> {
  const booking = await deps.bookings.findById(id);
  if (!booking) throw notFound('Booking');
  return bookingView(booking);
}

export async function listBookings(
  deps: { bookings: BookingsRepo },
  query: BookingFilters & Page,
): Promise<Paginated<BookingView>> {
  const { limit, offset, ...filters } = query;
  const { bookings, total } = await deps.bookings.list(filters, { limit, offset });
  return paginated(bookings.map(bookingView), { limit, offset }, total);
}
