import { assertSelfOrAdmin, type Caller } from '@ebs/service-kit/auth';
import { forbidden, validationFailed } from '@ebs/service-kit/errors';

// Who may book and see which bookings (docs/api.md "Access"). Reuse these for every booking route
// (e.g. cancel: assertMayAccessBooking after loading the booking, before changing anything).

/**
 * The user a booking is made for. A customer books for themselves: userId may be omitted, and another
 * user's id is 403. An admin books for anyone and must say for whom.
 */
export function bookingUserFor(caller: Caller, requestedUserId: string | undefined): string {
  if (caller.role === 'admin') {
    if (requestedUserId === undefined) {
      throw validationFailed([
        { field: 'userId', message: 'Required when an admin books or joins a waitlist (for whom?)' },
      ]);
    }
    return requestedUserId;
  }
  if (requestedUserId !== undefined && requestedUserId !== caller.userId) {
    throw forbidden('A customer may only book (or join a waitlist) for themselves');
  }
  return caller.userId;
}

/** A booking is seen (or changed) by its owner and by admins; anyone else is 403. */
export function assertMayAccessBooking(caller: Caller, booking: { userId: string }): void {
  assertSelfOrAdmin(caller, booking.userId, 'bookings');
}
