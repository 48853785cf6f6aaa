import {
  BOOKINGS_STREAM,
  BOOKINGS_STREAM_STORAGE,
  type BookingsStreamLimits,
  bookingsStreamSettings,
} from '@ebs/contracts';
import type { NatsConnection, StreamConfig } from 'nats';

export type { BookingsStreamLimits };

/**
 * booking-service alone owns the BOOKINGS stream's configuration (docs/messaging.md): it creates the stream, or
 * brings an existing one to these subjects, duplicate window, retention limits and replicas. event-service and
 * notification-service only look it up. Safe to call from every replica at once.
 *
 * A setting JetStream refuses (e.g. NATS_STREAM_REPLICAS=3 on a single server, or more replicas than the cluster
 * has servers) rejects with an error naming the variable, what the stream has and what NATS said: the stream is
 * left as it was, never silently different from the configuration. The NATS link logs it at error and tries again
 * with backoff (up to every 30 s) until the configuration or the cluster is fixed.
 */
export async function ensureBookingsStream(nc: NatsConnection, limits: BookingsStreamLimits): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const wanted = bookingsStreamSettings(limits);
  // A server outside a cluster accepts an update to 3 replicas and keeps one copy (nats-server 2.9, seen here):
  // refused here instead, before anything changes. A cluster refuses more replicas than it has servers itself.
  const notClustered = limits.replicas > 1 && nc.info?.cluster === undefined;
  let current: StreamConfig | undefined;
  try {
    current = (await jsm.streams.info(BOOKINGS_STREAM)).config;
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
  }
  if (notClustered) {
    throw refused(
      current === undefined ? 'create' : 'update',
      limits,
      current,
      new Error('this NATS server is not in a cluster'),
    );
  }
  if (current === undefined) {
    try {
      await jsm.streams.add({ ...BOOKINGS_STREAM_STORAGE, ...wanted });
    } catch (addErr) {
      // Another replica created it between our info and add: fine if it now exists (and then bring it to ours).
      current = await jsm.streams
        .info(BOOKINGS_STREAM)
        .then((info) => info.config)
        .catch(() => {
          throw refused('create', limits, undefined, addErr);
        });
    }
  }
  if (current === undefined || sameSettings(current, wanted)) return;
  try {
    await jsm.streams.update(BOOKINGS_STREAM, wanted);
  } catch (err) {
    throw refused('update', limits, current, err);
  }
}

function sameSettings(c: StreamConfig, wanted: ReturnType<typeof bookingsStreamSettings>): boolean {
  return (
    c.subjects?.join() === wanted.subjects.join() &&
    c.duplicate_window === wanted.duplicate_window &&
    c.max_age === wanted.max_age &&
    c.max_bytes === wanted.max_bytes &&
    c.discard === wanted.discard &&
    c.num_replicas === wanted.num_replicas
  );
}

function refused(
  what: 'create' | 'update',
  limits: BookingsStreamLimits,
  current: StreamConfig | undefined,
  err: unknown,
) {
  const has = current === undefined ? '' : ` (it has ${current.num_replicas} replica(s))`;
  return new Error(
    `cannot ${what} the ${BOOKINGS_STREAM} stream with NATS_STREAM_REPLICAS=${limits.replicas}${has}: ` +
      `${(err as Error).message}. The stream is left as it was; ` +
      'set NATS_STREAM_REPLICAS to at most the number of JetStream servers in the cluster (1 for a single server).',
    { cause: err },
  );
}
