import { type BookSeatsDeps, type BookSeatsInput, bookSeats } from './book-seats';
import type { BookingView } from './booking-view';
import type { Idempotency, Keyed } from './idempotency';

/**
 * POST /bookings: books once. Without an Idempotency-Key every request books; with one, a retry of a
 * booking already made (on any replica, within 24 h) answers that booking again (`replayed`).
 */
export async function placeBooking(
  deps: BookSeatsDeps & { idempotency: Idempotency },
  input: BookSeatsInput,
  idempotencyKey: string | undefined,
): Promise<Keyed<BookingView>> {
  if (idempotencyKey === undefined) return { result: await bookSeats(deps, input), replayed: false };
  const { userId, eventId, quantity, hold } = input;
  const keyed = { userId, key: idempotencyKey, eventId, quantity, hold: hold === true };
  return deps.idempotency.run(keyed, (claim) => bookSeats(deps, { ...input, idempotency: claim }));
}
