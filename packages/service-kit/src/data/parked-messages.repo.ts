import type { Pool } from 'mysql2/promise';
import type { ParkedMessage } from '../messaging/durable-consumer';

/**
 * Where a durable consumer parks what it cannot handle, kept for an operator (db/migrations/009_parked_messages.sql,
 * 012_parked_message_key.sql): the `park` every consumer passes to startDurableConsumer. Parking the same message
 * again (redelivered before its ack arrived: same stream, sequence and stream time) changes nothing; another
 * message at the same sequence (the stream was re-created) is a row of its own.
 */
export function parkInMysql(pool: Pool): (m: ParkedMessage) => Promise<void> {
  return async (m) => {
    await pool.execute(
      `INSERT INTO parked_messages (consumer, stream, stream_seq, stream_time_ns, subject, headers, payload, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id`,
      [
        m.consumer,
        m.stream,
        m.streamSeq,
        // Exact digits: a number parameter would go as a DOUBLE.
        BigInt(Math.trunc(m.streamTimeNs)).toString(),
        m.subject,
        m.headers,
        Buffer.from(m.payload),
        m.reason,
      ],
    );
  };
}
