import { randomUUID } from 'node:crypto';
import type { PoolConnection } from 'mysql2/promise';
import type { Booking } from '../data/bookings.repo';
import type { Repos } from '../data/repos';
import type { WaitlistEntry } from '../data/waitlist.repo';
import type { SeatEffects } from '../metrics';
import { offeredMessage } from './booking-view';

export type LineDeps = {
  repos: Pick<Repos, 'bookings' | 'inventory' | 'outbox' | 'waitlist'>;
  /** An offer's hold lasts this long (OFFER_TTL_SECONDS). */
  offerTtlSeconds: number;
};

/** Entries read from the line per query; at most `free` of them can be offered anyway. */
const LINE_PAGE = 50;

/**
 * Seats free on an event go to its line first (docs/api.md "Waitlist"), inside the caller's transaction, which
 * holds the event row lock: in line order, each waiting entry whose quantity fits what is still free gets a
 * hold for it (expiresAt = now + offerTtlSeconds, now being MySQL's clock), becomes `offered` with that
 * bookingId, and a bookings.offered message goes to the outbox. An entry that does not fit keeps its place;
 * only a later entry asking fewer seats can pass it, so no one loses their place to a later entry asking the
 * same or more. Nothing is offered for an event that has started. Returns the seats the offers took (the
 * caller's free count drops by that much; available_seats is updated here).
 */
export async function offerToLine(
  conn: PoolConnection,
  deps: LineDeps,
  event: { id: string; startsAt: Date },
  free: number,
  now: Date,
  effects: SeatEffects,
  requestId?: string,
): Promise<number> {
  if (free <= 0 || event.startsAt.getTime() <= now.getTime()) return 0;
  const { bookings, inventory, outbox, waitlist } = deps.repos;
  const offered: WaitlistEntry[] = [];
  let left = free;
  let after = 0;
  while (left > 0) {
    const page = await waitlist.lockLine(conn, event.id, left, after, Math.min(left, LINE_PAGE));
    if (page.length === 0) break;
    for (const entry of page) {
      after = entry.seq;
      if (entry.quantity > left) continue;
      offered.push(entry);
      left -= entry.quantity;
    }
  }
  if (offered.length === 0) return 0;
  const expiresAt = new Date(now.getTime() + deps.offerTtlSeconds * 1000);
  const holds = offered.map((e): Booking & { expiresAt: Date } => ({
    id: randomUUID(),
    userId: e.userId,
    eventId: e.eventId,
    quantity: e.quantity,
    status: 'held',
    createdAt: now,
    expiresAt,
  }));
  await bookings.insertMany(conn, holds);
  await waitlist.markOffered(
    conn,
    holds.map((h, i) => ({ entryId: (offered[i] as WaitlistEntry).id, bookingId: h.id })),
    now,
  );
  await inventory.takeSeats(conn, new Map([[event.id, free - left]]));
  await outbox.insertMany(
    conn,
    holds.map((h, i) => offeredMessage(h, (offered[i] as WaitlistEntry).id, requestId)),
  );
  effects.holds.created += holds.length;
  effects.offers.made += holds.length;
  effects.messages += holds.length;
  return free - left;
}
