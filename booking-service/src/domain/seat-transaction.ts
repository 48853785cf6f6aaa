import type { TransactionOptions } from '@ebs/service-kit/db';

/**
 * How every transaction that locks an event row runs (bookings, cancels, holds, the waitlist): READ COMMITTED.
 * Each plain read then sees what committed before it, so a read after the event row lock sees the event's
 * line as it is now (REPEATABLE READ would answer from a snapshot taken before the lock); and a locking read
 * locks the rows it returns and no index gaps, so transactions on different events never wait on each
 * other's gaps. Everything a decision depends on is under the event row lock, which orders them all.
 */
export const SEAT_TRANSACTION: TransactionOptions = { isolationLevel: 'READ COMMITTED' };
