import type { Pool } from 'mysql2/promise';
import type { ParkedMessage } from '../messaging/durable-consumer';

/**
 * Where a durable consumer parks what it cannot handle, kept for an operator (db/migrations/009_parked_messages.sql):
 * the `park` every consumer passes to startDurableConsumer. Parking one again (redelivered before its ack
 * arrived) changes nothing.
 */
export function parkInMysql(pool: Pool): (m: ParkedMessage) => Promise<void> {
  return async (m) => {
    await pool.execute(
      `INSERT INTO parked_messages (consumer, stream, stream_seq, subject, headers, payload, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id`,
      [m.consumer, m.stream, m.streamSeq, m.subject, m.headers, Buffer.from(m.payload), m.reason],
    );
  };
}
