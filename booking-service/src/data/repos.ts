import type { Pool } from 'mysql2/promise';
import { createBookingsRepo } from './bookings.repo';
import { createIdempotencyRepo } from './idempotency.repo';
import { createInventoryRepo } from './inventory.repo';
import { createOutboxRepo } from './outbox.repo';
import { createSeatReturnRepo } from './seat-return.repo';
import { createWaitlistRepo } from './waitlist.repo';

/**
 * Every repository of the service, built once (main.ts) over one pool. One style throughout: a factory
 * `createXRepo` returns an object of named SQL functions; a function that takes a `conn` runs inside the
 * caller's transaction, the others run on the pool.
 */
export function createRepos(pool: Pool) {
  return {
    bookings: createBookingsRepo(pool),
    idempotency: createIdempotencyRepo(pool),
    inventory: createInventoryRepo(),
    outbox: createOutboxRepo(pool),
    seatReturn: createSeatReturnRepo(),
    waitlist: createWaitlistRepo(pool),
  };
}

export type Repos = ReturnType<typeof createRepos>;
