import type { NotificationsRepo } from '../data/notifications.repo';
import type { ParkedMessagesRepo } from '../data/parked-messages.repo';
import { recordBookingMessages } from './record-booking-messages';

export type ReplayResult = { replayed: number[]; stillParked: Array<{ id: number; reason: string }> };

const PAGE = 200;

/**
 * Runs parked messages of `consumer` through the same code the consumer uses (after the cause was fixed):
 * each one stored (or already stored) is marked replayed; one that still cannot be stored stays parked with
 * today's reason. Storing is idempotent per (booking, type), so replaying twice changes nothing.
 */
export async function replayParked(
  deps: { parked: ParkedMessagesRepo; notifications: NotificationsRepo },
  consumer: string,
  onlyId?: number,
): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: [], stillParked: [] };
  let afterId = 0;
  for (;;) {
    const rows = await deps.parked.pending(consumer, { afterId, limit: PAGE, onlyId });
    if (rows.length === 0) return result;
    afterId = rows[rows.length - 1]?.id ?? afterId;
    const messages = rows.map((r) => {
      try {
        return { subject: r.subject, data: JSON.parse(Buffer.from(r.payload).toString('utf8')) as unknown };
      } catch {
        return { subject: r.subject, data: undefined };
      }
    });
    const outcomes = await recordBookingMessages(deps, messages);
    const now = new Date();
    for (const [i, row] of rows.entries()) {
      const outcome = outcomes[i];
      if (outcome === 'stored') {
        await deps.parked.markReplayed(row.id, now);
        result.replayed.push(row.id);
      } else {
        const reason = messages[i]?.data === undefined ? 'payload is not JSON' : (outcome?.invalid ?? 'unknown');
        await deps.parked.updateReason(row.id, reason);
        result.stillParked.push({ id: row.id, reason });
      }
    }
  }
}
