import { type ParkedMessage, parkInMysql } from '@ebs/service-kit/messaging';
import type { Pool, RowDataPacket } from 'mysql2/promise';

export type ParkedRow = ParkedMessage & { id: number; parkedAt: Date };

type Row = RowDataPacket & {
  id: number;
  consumer: string;
  stream: string;
  stream_seq: number;
  stream_time_ns: number;
  subject: string;
  headers: string | null;
  payload: Buffer;
  reason: string;
  parked_at: Date;
};

export type ParkedMessagesRepo = ReturnType<typeof createParkedMessagesRepo>;

/** Messages the consumer could not handle, kept for an operator (db/migrations/009_parked_messages.sql). */
export function createParkedMessagesRepo(pool: Pool) {
  return {
    /** Keeps the message (the kit's parking, shared by every consumer). */
    park: parkInMysql(pool),

    /** Not yet replayed, in parking order, after `afterId`; `onlyId` narrows it to one message. */
    async pending(consumer: string, page: { afterId: number; limit: number; onlyId?: number }): Promise<ParkedRow[]> {
      const only = page.onlyId === undefined ? '' : 'AND id = ?';
      const [rows] = await pool.query<Row[]>(
        `SELECT id, consumer, stream, stream_seq, stream_time_ns, subject, headers, payload, reason, parked_at FROM parked_messages
         WHERE consumer = ? AND replayed_at IS NULL AND id > ? ${only} ORDER BY id LIMIT ?`,
        [consumer, page.afterId, ...(page.onlyId === undefined ? [] : [page.onlyId]), page.limit],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        consumer: r.consumer,
        stream: r.stream,
        streamSeq: Number(r.stream_seq),
        streamTimeNs: Number(r.stream_time_ns),
        subject: r.subject,
        headers: r.headers,
        payload: r.payload,
        reason: r.reason,
        parkedAt: r.parked_at,
      }));
    },

    async markReplayed(id: number, at: Date): Promise<void> {
      await pool.execute('UPDATE parked_messages SET replayed_at = ? WHERE id = ?', [at, id]);
    },

    /** The message still cannot be handled: say why now. */
    async updateReason(id: number, reason: string): Promise<void> {
      await pool.execute('UPDATE parked_messages SET reason = ? WHERE id = ?', [reason.slice(0, 500), id]);
    },
  };
}
