import { type Caller, ownListScope } from '@ebs/service-kit/auth';
import { notFound } from '@ebs/service-kit/errors';
import { type Page, type Paginated, paginated } from '@ebs/service-kit/http';
import type { BookingFilters, BookingsRepo } from '../data/bookings.repo';
import { assertMayAccessBooking } from './booking-access';
import { type BookingView, bookingView } from './booking-view';

/** One booking, for its owner or an admin (another customer's: 403). */
export async function getBooking(deps: { bookings: BookingsRepo }, id: string, caller: Caller): Promise<BookingView> {
  const booking = await deps.bookings.findById(id);
  if (!booking) throw notFound('Booking');
  assertMayAccessBooking(caller, booking);
  return bookingView(booking);
}

/** A customer lists only their own bookings (asking for another user's is 403); an admin lists any. */
export async function listBookings(
  deps: { bookings: BookingsRepo },
  query: BookingFilters & Page,
  caller: Caller,
): Promise<Paginated<BookingView>> {
  const { limit, offset, ...filters } = query;
  const scoped = { ...filters, userId: ownListScope(caller, filters.userId, 'bookings') };
  const { bookings, total } = await deps.bookings.list(scoped, { limit, offset });
  return paginated(bookings.map(bookingView), { limit, offset }, total);
}
