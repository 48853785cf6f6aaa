import type { ParkedMessage } from '@ebs/service-kit/messaging';
import type { Pool } from 'mysql2/promise';

export type ParkedMessagesRepo = ReturnType<typeof createParkedMessagesRepo>;

/**
 * Messages the cache-refresh consumer could not handle, kept for an operator (db/migrations/009_parked_messages.sql).
 * They need no replay here: every cached read is checked against MySQL (src/domain/get-event.ts).
 */
export function createParkedMessagesRepo(pool: Pool) {
  return {
    /** Keeps the message; parking one again (redelivered before its ack arrived) changes nothing. */
    async park(m: ParkedMessage): Promise<void> {
      await pool.execute(
        `INSERT INTO parked_messages (consumer, stream, stream_seq, subject, headers, payload, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id`,
        [m.consumer, m.stream, m.streamSeq, m.subject, m.headers, Buffer.from(m.payload), m.reason],
      );
    },
  };
}
