import type { NatsConnection, StreamInfo } from 'nats';

/** The JetStream stream that captures every bookings.* subject (docs/messaging.md). */
export const BOOKINGS_STREAM = 'BOOKINGS';

const LOOKUP_ATTEMPTS = 4;
const LOOKUP_INTERVAL_MS = 250;

/**
 * Looks the BOOKINGS stream up, waiting a moment for it to appear. booking-service alone creates and
 * configures it (subjects, duplicate window, retention): this service never adds or updates it, so starting
 * here can never reset its settings. Rejects when it still does not exist; the consumer then tries again.
 */
export async function lookUpBookingsStream(nc: NatsConnection): Promise<StreamInfo> {
  const jsm = await nc.jetstreamManager();
  for (let attempt = 1; ; attempt++) {
    try {
      return await jsm.streams.info(BOOKINGS_STREAM);
    } catch (err) {
      if (!/stream not found/i.test((err as Error).message) || attempt >= LOOKUP_ATTEMPTS) {
        throw new Error(`JetStream stream ${BOOKINGS_STREAM} not available yet (booking-service creates it)`, {
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, LOOKUP_INTERVAL_MS));
    }
  }
}
