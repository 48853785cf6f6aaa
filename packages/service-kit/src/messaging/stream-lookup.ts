import type { NatsConnection, StreamInfo } from 'nats';

const LOOKUP_ATTEMPTS = 4;
const LOOKUP_INTERVAL_MS = 250;

/**
 * Looks a JetStream stream up, waiting a moment for it to appear. A consumer never adds or updates the stream
 * it reads (its producer owns the configuration), so starting a consumer can never reset the stream's settings.
 * Rejects when it still does not exist; the durable consumer then tries again.
 */
export async function lookUpStream(nc: NatsConnection, stream: string, owner: string): Promise<StreamInfo> {
  const jsm = await nc.jetstreamManager();
  for (let attempt = 1; ; attempt++) {
    try {
      return await jsm.streams.info(stream);
    } catch (err) {
      if (!/stream not found/i.test((err as Error).message) || attempt >= LOOKUP_ATTEMPTS) {
        throw new Error(`JetStream stream ${stream} not available yet (${owner} creates it)`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, LOOKUP_INTERVAL_MS));
    }
  }
}
