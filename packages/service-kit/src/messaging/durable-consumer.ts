import { isSaneRequestId, REQUEST_ID_HEADER } from '@ebs/contracts';
import {
  AckPolicy,
  type ConsumerConfig,
  ConsumerDebugEvents,
  type ConsumerInfo,
  type ConsumerMessages,
  DeliverPolicy,
  Events,
  type JetStreamManager,
  type JsMsg,
  Match,
  type MsgRequest,
  type NatsConnection,
  nanos,
} from 'nats';
import type { Logger } from '../observability/logger';
import { consumerMetrics, countDelivery, type DeliveryOutcome, trackStall } from './consumer-metrics';
import type { NatsLink } from './nats-link';

/**
 * How long one pull waits on the server; nats.js expects a heartbeat every half of it and, two missed, pulls again.
 * When the server leading the consumer dies (a JetStream cluster node) while this service is connected to another
 * one, the waiting pull dies with it, unnoticed until then: with nats.js's default of 30 s, notifications stopped
 * for 35-45 s after such a node loss (e2e/test/nats-cluster.test.ts); with 5 s, for about 5.
 */
const PULL_EXPIRES_MS = 5_000;

/** One delivered message as a handler sees it: its subject and parsed JSON payload. */
export type Delivery = {
  subject: string;
  data: unknown;
  streamSeq: number;
  /** 1 on the first delivery. */
  deliveryCount: number;
  /** The publisher's X-Request-Id header, when it carries a sane one. */
  requestId?: string;
};

/**
 * What a handler decides for each delivery of a batch, in order: 'done' (stored, or already stored: acked),
 * 'retry' (a dependency cannot take it now: nak'ed with a growing delay, never parked), or park (the message
 * itself cannot be handled: kept in parked_messages for an operator, then acked).
 */
export type Outcome = 'done' | 'retry' | { park: string };

/**
 * Handles one fetched batch at once (one multi-row write, one refresh per event). Throwing means "unexpected":
 * if the error is not transient the batch is retried one message at a time to find the one it belongs to,
 * and a message that keeps failing is parked after MAX_DELIVERIES deliveries.
 */
export type BatchHandler = (batch: Delivery[]) => Promise<Outcome[]>;

/**
 * A message that cannot be handled, as it is kept for an operator (see db/migrations/009_parked_messages.sql and
 * 012_parked_message_key.sql). It is one message by (consumer, stream, streamSeq, streamTimeNs): the sequence
 * alone names another message once the stream is re-created (or on another server whose stream shares the
 * database), the time it entered the stream tells them apart, and every redelivery of it carries the same.
 */
export type ParkedMessage = {
  consumer: string;
  stream: string;
  streamSeq: number;
  /** When the message entered the stream: JetStream's timestamp in nanoseconds since the epoch (as nats.js reads it). */
  streamTimeNs: number;
  subject: string;
  headers: string | null;
  payload: Uint8Array;
  reason: string;
};

export type DurableConsumer = {
  /** Stops pulling, lets the batch in hand finish and be acked, nak's what was fetched but not started. */
  stop: () => Promise<void>;
  /**
   * True when it has not been able to consume for longer than its stallAfterMs: NATS unreachable, or its stream
   * or durable consumer gone and not yet back (/ready reports it through natsCheck).
   */
  stalled: () => boolean;
};

/** How long a consumer may be unable to consume before it reports itself stalled (CONSUMER_STALL_SECONDS). */
export const DEFAULT_STALL_AFTER_MS = 30_000;

/** A message failing with a non-transient error this many times is parked rather than retried again. */
export const MAX_DELIVERIES = 5;
const RETRY_MAX_MS = 30_000;

/** NATS subject matching: `*` is one token, `>` the rest. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

/**
 * Runs a durable JetStream pull consumer with explicit acks (docs/messaging.md) that hands its handler what one
 * fetch delivered as one batch. It is created if missing, brought to our filter subject in place when an
 * older version consumed a narrower one, survives NATS restarts (it consumes again after any break), and
 * never lets a message loop or vanish: what cannot be handled is parked (stored, logged at error), then acked.
 *
 * It outlives its stream: when the durable consumer or the stream vanishes (deleted and made again by its owner,
 * or NATS back with an empty store), consume() ends (abort_on_missing_resource; nats.js would otherwise wait for
 * the old consumer for ever), the stream is looked up until it exists again and the consumer is made again,
 * reading the new stream from its start. Since when it could not consume is kept for /ready (stalled()).
 */
export function startDurableConsumer(opts: {
  nats: NatsLink;
  stream: string;
  durable: string;
  filterSubject: string;
  ensureStream: (nc: NatsConnection) => Promise<void>;
  handler: BatchHandler;
  /** Stores a message that cannot be handled; throwing leaves it in the stream (nak'ed) until it can. */
  park: (m: ParkedMessage) => Promise<void>;
  /** True for errors that mean "a dependency is down now" (retried without limit, never parked). */
  isTransient: (err: unknown) => boolean;
  logger: Logger;
  /** Redelivery delay of a message a dead process left unacked. */
  ackWaitMs?: number;
  /** Most messages handed to the handler at once. */
  maxBatch?: number;
  /** First redelivery delay after a failure; it doubles with every delivery, up to 30 s. */
  retryBaseMs?: number;
  /** Unable to consume for longer than this, it reports itself stalled (default 30 s). */
  stallAfterMs?: number;
}): DurableConsumer {
  consumerMetrics(); // registered now: /metrics lists the consumer's families from the start
  const { nats, stream, durable, logger } = opts;
  const maxBatch = opts.maxBatch ?? 256;
  const retryBaseMs = opts.retryBaseMs ?? 1_000;
  const retryDelay = (deliveryCount: number) =>
    Math.min(retryBaseMs * 2 ** Math.max(0, deliveryCount - 1), RETRY_MAX_MS);
  const log = logger.child({ consumer: durable });
  let stopped = false;
  let messages: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;

  // Since when it has not been able to consume (undefined while it can): set by anything that stops the flow
  // (a disconnect, missed heartbeats, a missing stream or consumer, consume() ending or failing to start),
  // cleared by what proves the consumer is served again (consume() started, a message, a pull that nats.js
  // sends only after it found the consumer).
  const stallAfterMs = opts.stallAfterMs ?? DEFAULT_STALL_AFTER_MS;
  let stalledSince: number | undefined = Date.now();
  const flowing = () => {
    if (stalledSince !== undefined && Date.now() - stalledSince > stallAfterMs) log.info('consuming again');
    stalledSince = undefined;
  };
  const interrupted = () => {
    stalledSince ??= Date.now();
  };
  const stalledMs = () => (stopped || stalledSince === undefined ? 0 : Date.now() - stalledSince);
  const untrack = trackStall(durable, () => stalledMs() / 1000);

  const settings = { ack_wait: nanos(opts.ackWaitMs ?? 10_000), max_ack_pending: 1_000 };

  async function addConsumer(jsm: JetStreamManager, start: Partial<ConsumerConfig>): Promise<void> {
    try {
      await jsm.consumers.add(stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: opts.filterSubject,
        ...settings,
        ...start,
      });
    } catch (err) {
      // Another replica created it at the same moment: fine if it is ours now.
      const info = await jsm.consumers.info(stream, durable).catch(() => undefined);
      if (info?.config.filter_subject !== opts.filterSubject) throw err;
    }
  }

  /**
   * An older version consumed a narrower subject (bookings.confirmed before bookings.cancelled existed).
   * The consumer is recreated with our filter, starting at its ack floor, or earlier at the first message of
   * a newly covered subject that lies behind its position (which the old filter skipped): what was already
   * handled comes again, and every handler takes that as a duplicate. Not updated in place: nats-server 2.9
   * accepts a new filter_subject but then delivers nothing more (tested), and it would skip those messages.
   */
  async function widenFilter(jsm: JetStreamManager, info: ConsumerInfo): Promise<void> {
    const old = info.config.filter_subject ?? '>';
    const si = await jsm.streams.info(stream, { subjects_filter: opts.filterSubject });
    let start = info.ack_floor.stream_seq + 1;
    for (const subject of Object.keys(si.state.subjects ?? {})) {
      if (subjectMatches(old, subject)) continue;
      // The server (2.9+) answers next_by_subj on the plain message-get API; nats.js types it for direct get only.
      const query = { seq: si.state.first_seq, next_by_subj: subject } as unknown as MsgRequest;
      start = Math.min(start, (await jsm.streams.getMessage(stream, query)).seq);
    }
    await jsm.consumers.delete(stream, durable).catch((err: Error) => {
      if (!/consumer not found/i.test(err.message)) throw err;
    });
    await addConsumer(jsm, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, start) });
    log.warn({ from: old, to: opts.filterSubject, restartAt: start }, 'consumer filter widened');
  }

  async function ensureConsumer(nc: NatsConnection): Promise<void> {
    await opts.ensureStream(nc);
    const jsm = await nc.jetstreamManager();
    let info: ConsumerInfo;
    try {
      info = await jsm.consumers.info(stream, durable);
    } catch (err) {
      if (!/consumer not found/i.test((err as Error).message)) throw err;
      await addConsumer(jsm, {});
      return;
    }
    if (info.config.filter_subject === opts.filterSubject) await jsm.consumers.update(stream, durable, settings);
    else await widenFilter(jsm, info);
  }

  const requestIdOf = (m: JsMsg): string | undefined => {
    const id = m.headers?.get(REQUEST_ID_HEADER, Match.IgnoreCase);
    return isSaneRequestId(id) ? id : undefined;
  };

  const metaOf = (m: JsMsg) => ({
    subject: m.subject,
    streamSeq: m.info.streamSequence,
    deliveryCount: m.info.deliveryCount,
    requestId: requestIdOf(m),
  });

  /** Metrics of one settled delivery: outcome, time it waited in the stream, what still waits behind it. */
  const count = (m: JsMsg, outcome: DeliveryOutcome) =>
    countDelivery(durable, outcome, {
      lagSeconds: Date.now() / 1000 - m.info.timestampNanos / 1e9,
      pending: m.info.pending,
    });

  function retry(m: JsMsg, why: string, err?: unknown): void {
    const delay = retryDelay(m.info.deliveryCount);
    log.warn({ ...metaOf(m), err: (err as Error | undefined)?.message }, `${why}, redelivery in ${delay} ms`);
    m.nak(delay);
    count(m, 'retry');
  }

  async function park(m: JsMsg, reason: string): Promise<void> {
    const headers = m.headers ? JSON.stringify(Object.fromEntries([...m.headers])) : null;
    try {
      await opts.park({
        consumer: durable,
        stream,
        streamSeq: m.info.streamSequence,
        streamTimeNs: m.info.timestampNanos,
        subject: m.subject.slice(0, 255),
        headers,
        payload: m.data,
        reason: reason.slice(0, 500),
      });
    } catch (err) {
      retry(m, 'parking failed', err);
      return;
    }
    log.error({ ...metaOf(m), reason }, 'message parked (see parked_messages), acked');
    m.ack();
    count(m, 'parked');
  }

  async function settle(m: JsMsg, d: Delivery, outcome: Outcome | undefined): Promise<void> {
    if (outcome === 'done') {
      m.ack();
      // The one info line per handled message: with its requestId, the HTTP request behind it can be followed.
      const { bookingId } = (d.data ?? {}) as { bookingId?: unknown };
      log.info({ ...metaOf(m), ...(typeof bookingId === 'string' ? { bookingId } : {}) }, 'message handled');
      count(m, 'ack');
    } else if (outcome === undefined || outcome === 'retry') {
      retry(m, 'cannot be handled now');
    } else {
      await park(m, outcome.park);
    }
  }

  async function failed(m: JsMsg, err: unknown): Promise<void> {
    if (!opts.isTransient(err) && m.info.deliveryCount >= MAX_DELIVERIES) {
      await park(m, `failed ${m.info.deliveryCount} times: ${(err as Error).message}`);
    } else {
      retry(m, 'handling failed', err);
    }
  }

  async function handleBatch(batch: JsMsg[]): Promise<void> {
    const parsed: Array<{ m: JsMsg; d: Delivery }> = [];
    for (const m of batch) {
      let data: unknown;
      try {
        data = m.json();
      } catch {
        await park(m, 'payload is not JSON');
        continue;
      }
      const { subject, streamSeq, deliveryCount, requestId } = metaOf(m);
      parsed.push({ m, d: { subject, data, streamSeq, deliveryCount, requestId } });
    }
    if (parsed.length === 0) return;
    try {
      const outcomes = await opts.handler(parsed.map((p) => p.d));
      for (const [i, p] of parsed.entries()) await settle(p.m, p.d, outcomes[i]);
      return;
    } catch (err) {
      if (opts.isTransient(err) || parsed.length === 1) {
        for (const p of parsed) await failed(p.m, err);
        return;
      }
    }
    // Not a dependency being down: handle each alone, so one bad message cannot hold back the others.
    for (const p of parsed) {
      try {
        await settle(p.m, p.d, (await opts.handler([p.d]))[0]);
      } catch (err) {
        await failed(p.m, err);
      }
    }
  }

  /** Reads as fast as the server sends; the worker takes whatever arrived meanwhile as its next batch. */
  async function pump(iterator: ConsumerMessages): Promise<void> {
    const queue: JsMsg[] = [];
    let reading = true;
    let more: (() => void) | undefined;
    const worker = (async () => {
      while (!stopped) {
        if (queue.length > 0) {
          const batch = queue.splice(0, maxBatch);
          // Only acks and naks on a closed connection can throw here: the server redelivers those.
          await handleBatch(batch).catch((err) => log.warn({ err: (err as Error).message }, 'batch interrupted'));
        } else if (!reading) return;
        else await new Promise<void>((r) => (more = r));
      }
    })();
    try {
      for await (const m of iterator) {
        flowing();
        queue.push(m);
        more?.();
        if (stopped) break;
      }
    } finally {
      reading = false;
      more?.();
      await worker;
      // Fetched but not started (we are stopping): back to the stream at once for another replica.
      try {
        for (const m of queue.splice(0)) m.nak();
      } catch {
        // The connection is gone: the server redelivers them after the ack wait.
      }
    }
  }

  /** What nats.js reports while it consumes: trouble marks the consumer interrupted, a new pull that it flows. */
  async function watch(iterator: ConsumerMessages): Promise<void> {
    for await (const s of await iterator.status()) {
      if (s.type === ConsumerDebugEvents.Next) flowing();
      else if (s.type !== ConsumerDebugEvents.DebugEvent && s.type !== ConsumerDebugEvents.Discard) {
        interrupted();
        log.warn({ event: s.type, data: s.data }, 'consumer trouble');
      }
    }
  }

  /** A dropped connection stops the flow at once (the consumer's own events come only after the reconnect). */
  async function watchConnection(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (stopped) return;
      if (s.type === Events.Disconnect) interrupted();
    }
  }

  const running = (async () => {
    let nc: NatsConnection;
    try {
      nc = await nats.firstConnect;
    } catch {
      return;
    }
    void watchConnection(nc);
    let lastError: string | undefined;
    while (!stopped) {
      try {
        await ensureConsumer(nc);
        const consumer = await nc.jetstream().consumers.get(stream, durable);
        // Without abort_on_missing_resource, consume() waits for ever for a consumer or stream that is gone
        // (deleted, or NATS restarted with an empty store): ending it here lets the loop make them again.
        messages = await consumer.consume({
          max_messages: maxBatch,
          abort_on_missing_resource: true,
          expires: PULL_EXPIRES_MS,
        });
        // stop() may have come while this was starting up: it found no `messages` to stop then.
        if (stopped) messages.stop();
        flowing();
        lastError = undefined;
        log.info({ filterSubject: opts.filterSubject }, 'consuming');
        void watch(messages).catch(() => {});
        await pump(messages);
        // Ended without an error and not by stop() (its subscription closed): a break like any other.
        if (!stopped) interrupted();
      } catch (err) {
        interrupted();
        const message = (err as Error).message;
        // Once per kind of failure: while the stream stays gone, this loop fails every second or two.
        if (!stopped && message !== lastError) log.warn({ err: message }, 'consumer interrupted, restarting');
        lastError = message;
      }
      if (!stopped)
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 1_000).unref();
        });
    }
  })();

  return {
    stalled: () => stalledMs() > stallAfterMs,
    stop: async () => {
      stopped = true;
      untrack();
      wake?.();
      // stop(), not close(): close() resolves only once the iterator has yielded every buffered message,
      // which never happens after the loop above breaks. Unacked buffered messages are redelivered.
      messages?.stop();
      // Never connected: the loop still waits on the first connect (for ever if NATS is never reachable)
      // and holds no message, so there is nothing to wait for.
      if (nats.connection()) await running;
    },
  };
}
