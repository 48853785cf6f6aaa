import { AckPolicy, type ConsumerMessages, DeliverPolicy, type JsMsg, type NatsConnection, nanos } from 'nats';
import type { Logger } from '../lib/logger';
import { countDelivery, type DeliveryOutcome } from '../metrics';
import type { NatsLink } from './nats-link';

export type MessageMeta = { subject: string; streamSeq: number; redelivered: boolean; requestId?: string };

/** The NATS header that carries the id of the HTTP request behind a message (set by booking-service). */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * What a handler decides for one message: 'ack' (done, including "already done"), or 'drop' (malformed:
 * logged, then acked so it is never redelivered). A handler that throws has hit a transient failure: the
 * message is nak'ed with a delay and comes back.
 *
 * Malformed messages are acked rather than sent +TERM: docs/messaging.md says "logged and acked", and the
 * nats-server 2.9 on our machines keeps +TERM'ed messages counted in num_ack_pending.
 */
export type MessageHandler = (data: unknown, meta: MessageMeta) => Promise<'ack' | 'drop'>;

export type DurableConsumer = {
  /** Stops pulling, lets the message in hand finish and be acked, then resolves. */
  stop: () => Promise<void>;
};

const RETRY_DELAY_MS = 2_000;

/**
 * Runs a durable JetStream pull consumer with explicit acks (docs/messaging.md), one message at a time. It is
 * created if missing (stream first), survives NATS restarts (it consumes again after any break), and never
 * lets a bad message loop: unparseable or invalid messages are logged and dropped (acked).
 */
export function startDurableConsumer(opts: {
  nats: NatsLink;
  stream: string;
  durable: string;
  filterSubject: string;
  ensureStream: (nc: NatsConnection) => Promise<void>;
  handler: MessageHandler;
  logger: Logger;
  /** Redelivery delay of a message left unacked by a dead process. */
  ackWaitMs?: number;
}): DurableConsumer {
  const { nats, stream, durable, logger } = opts;
  const log = logger.child({ consumer: durable });
  let stopped = false;
  let messages: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;

  async function ensureConsumer(nc: NatsConnection): Promise<void> {
    await opts.ensureStream(nc);
    const jsm = await nc.jetstreamManager();
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: opts.filterSubject,
      ack_wait: nanos(opts.ackWaitMs ?? 10_000),
      max_ack_pending: 1_000,
    };
    try {
      await jsm.consumers.info(stream, durable);
      await jsm.consumers.update(stream, durable, {
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
      });
    } catch (err) {
      if (!/consumer not found/i.test((err as Error).message)) throw err;
      await jsm.consumers.add(stream, config);
    }
  }

  async function handle(m: JsMsg): Promise<void> {
    // X-Request-Id: the HTTP request that booked (booking-service's outbox relay sets it).
    const requestId = m.headers?.get(REQUEST_ID_HEADER) || undefined;
    const meta = { subject: m.subject, streamSeq: m.info.streamSequence, redelivered: m.redelivered, requestId };
    const done = (outcome: DeliveryOutcome) =>
      countDelivery(durable, outcome, {
        lagSeconds: Date.now() / 1000 - m.info.timestampNanos / 1e9,
        pending: m.info.pending,
      });
    let data: unknown;
    try {
      data = m.json();
    } catch {
      log.error({ ...meta, data: m.string().slice(0, 500) }, 'message is not JSON, dropped (acked)');
      m.ack();
      done('parked');
      return;
    }
    try {
      const outcome = await opts.handler(data, meta);
      if (outcome === 'drop') {
        log.error({ ...meta, data }, 'message is malformed, dropped (acked)');
        m.ack();
        done('parked');
      } else {
        m.ack();
        log.info({ ...meta, bookingId: (data as { bookingId?: unknown }).bookingId }, 'message handled');
        done('ack');
      }
    } catch (err) {
      log.warn({ ...meta, err: (err as Error).message }, `handling failed, redelivery in ${RETRY_DELAY_MS} ms`);
      m.nak(RETRY_DELAY_MS);
      done('retry');
    }
  }

  const running = (async () => {
    let nc: NatsConnection;
    try {
      nc = await nats.firstConnect;
    } catch {
      return;
    }
    while (!stopped) {
      try {
        await ensureConsumer(nc);
        const consumer = await nc.jetstream().consumers.get(stream, durable);
        messages = await consumer.consume({ max_messages: 16 });
        log.info('consuming');
        for await (const m of messages) {
          await handle(m);
          if (stopped) break;
        }
      } catch (err) {
        if (!stopped) log.warn({ err: (err as Error).message }, 'consumer interrupted, restarting');
      }
      if (!stopped)
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 1_000).unref();
        });
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      wake?.();
      // stop(), not close(): close() resolves only once the iterator has yielded every buffered message,
      // which never happens after the loop below breaks. Unacked buffered messages are redelivered.
      messages?.stop();
      await running;
    },
  };
}
