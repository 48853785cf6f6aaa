import type { TransactionOptions } from '@ebs/service-kit/db';

/**
 * How every transaction that locks an event row runs (bookings, cancels, holds, the waitlist): READ COMMITTED.
 * Each plain read then sees what committed before it, so a read after the event row lock sees the event's
 * line as it is now (REPEATABLE READ would answer from a snapshot taken before the lock); and a locking read
 * locks the rows it returns and no index gaps, so transactions on different events never wait on each
 * other's gaps. (MySQL refuses READ COMMITTED writes with binlog_format=STATEMENT: run it with ROW, MySQL 8's
 * default, or MIXED.)
 *
 * The lock rule that keeps them free of deadlocks: a transaction locks its event rows first, and only one
 * event row unless it is a booking batch (which locks its events in id order). Everything else it locks
 * (bookings, waitlist entries, idempotency keys) belongs to those events, so two transactions that could
 * lock the same such rows already exclude each other on the event row: exclusive for every writer of the
 * event's seats, share mode for a confirm, which moves none and never meets such a writer. Within that, the
 * order of the other rows is free (a leave locks its entry, then the hold; a confirm the hold, then its entry).
 */
export const SEAT_TRANSACTION: TransactionOptions = { isolationLevel: 'READ COMMITTED' };
