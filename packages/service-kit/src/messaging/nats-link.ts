import { connect, type NatsConnection } from 'nats';
import { z } from 'zod';
import type { Logger } from '../observability/logger';

/**
 * A NATS connection made in the background and kept for good: the service starts and serves even while
 * NATS is down (it is optional at run time, docs/api.md), reconnects forever, and runs onConnect (e.g.
 * make sure the stream exists) after the first connect and after every reconnect, and again with backoff
 * while it fails.
 */
export type NatsLink = {
  /** The connection once made (it may be reconnecting); undefined before the first connect. */
  connection: () => NatsConnection | undefined;
  isConnected: () => boolean;
  /** Resolves at the first successful connect (and its onConnect). */
  firstConnect: Promise<NatsConnection>;
  /** Drains: finishes what is in flight, then closes. */
  close: () => Promise<void>;
};

/**
 * NATS_URL as the client wants it: nats.js ignores credentials in a server URL, so user:password in the URL
 * (nats://user:pass@host:4222, URL-encoded; comma-separated for a cluster) become its user/pass options.
 */
export function natsServers(url: string): { servers: string[]; user?: string; pass?: string } {
  let user: string | undefined;
  let pass: string | undefined;
  const servers = url.split(',').map((server) => {
    const u = new URL(server.trim());
    if (u.username || u.password) {
      user = decodeURIComponent(u.username);
      pass = decodeURIComponent(u.password);
    }
    return `${u.protocol}//${u.host}`;
  });
  return user === undefined ? { servers } : { servers, user, pass };
}

/** A failed onConnect step is tried again after this, doubling up to the max, while the connection lasts. */
const ON_CONNECT_RETRY_MS = 1_000;
const ON_CONNECT_RETRY_MAX_MS = 30_000;

export function createNatsLink(opts: {
  url: string;
  name: string;
  logger: Logger;
  onConnect?: (nc: NatsConnection) => Promise<void>;
}): NatsLink {
  const { logger } = opts;
  let nc: NatsConnection | undefined;
  let connected = false;
  let closing = false;

  /** Each (re)connect runs onConnect anew; a retry left from an earlier one then stops. */
  let generation = 0;
  const attempt = async (conn: NatsConnection, retryInMs: number): Promise<boolean> => {
    try {
      await opts.onConnect?.(conn);
      return true;
    } catch (err) {
      // Closing: the step failed because the connection is being drained, nothing to report or retry.
      if (!closing) logger.error({ err, retryInMs }, 'nats onConnect step failed, retrying');
      return false;
    }
  };
  /**
   * Runs onConnect; when it fails, tries again with backoff while this connection lasts (not only at the next
   * reconnect: a cluster that could not place a stream yet, its third node still starting, can a second later).
   * The first try is awaited, the retries are not.
   */
  const runOnConnect = async (conn: NatsConnection) => {
    const mine = ++generation;
    if (await attempt(conn, ON_CONNECT_RETRY_MS)) return;
    void (async () => {
      for (let delay = ON_CONNECT_RETRY_MS; ; delay = Math.min(delay * 2, ON_CONNECT_RETRY_MAX_MS)) {
        await new Promise((r) => setTimeout(r, delay).unref());
        // Closed, or disconnected (the reconnect runs it again), or reconnected meanwhile: this retry is done.
        if (closing || conn.isClosed() || !connected || mine !== generation) return;
        if (await attempt(conn, Math.min(delay * 2, ON_CONNECT_RETRY_MAX_MS))) return;
      }
    })();
  };

  const firstConnect = connect({
    ...natsServers(opts.url),
    name: opts.name,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: 2_000,
    pingInterval: 5_000,
    maxPingOut: 2,
    // Without this, nats.js builds an Error (a stack trace) for every request and JetStream publish ahead of
    // a timeout that almost never comes: profiled at ~3% of booking-service's CPU in a rush. A timeout still
    // rejects with its NatsError, only without the caller's async stack.
    noAsyncTraces: true,
  }).then(async (conn) => {
    // close() came while the first connect was still being tried: this connection is nobody's, end it.
    if (closing) {
      await conn.close();
      throw new Error('nats link closed before it connected');
    }
    nc = conn;
    connected = true;
    logger.info({ server: conn.getServer() }, 'nats connected');
    void (async () => {
      for await (const s of conn.status()) {
        if (s.type === 'disconnect') {
          connected = false;
          logger.warn('nats disconnected, reconnecting');
        } else if (s.type === 'reconnect') {
          connected = true;
          logger.info('nats reconnected');
          await runOnConnect(conn);
        }
      }
    })();
    void conn.closed().then(() => {
      connected = false;
    });
    await runOnConnect(conn);
    return conn;
  });
  firstConnect.catch((err) => {
    if (!closing) logger.error({ err }, 'nats connect failed');
  });

  return {
    connection: () => nc,
    isConnected: () => connected && nc !== undefined && !nc.isClosed(),
    firstConnect,
    close: async () => {
      closing = true;
      if (nc && !nc.isClosed()) await nc.drain().catch(() => nc?.close());
    },
  };
}

/**
 * The readiness report of NATS: reported, never required (bookings wait in the outbox, consumers catch up).
 * "down" while the connection is down, and while one of the service's durable consumers has not been able to
 * consume for longer than its bound (CONSUMER_STALL_SECONDS: its stream or consumer gone and not yet back).
 */
export const natsCheck = (isConnected: () => boolean, consumers: ReadonlyArray<{ stalled: () => boolean }> = []) => ({
  name: 'nats',
  check: async () => {
    if (!isConnected()) throw new Error('nats disconnected');
    if (consumers.some((c) => c.stalled())) throw new Error('a consumer cannot consume');
  },
  required: false,
});

/**
 * CONSUMER_STALL_SECONDS, for the config of every service with a durable consumer: unable to consume for longer
 * than this, the consumer is reported by /ready (its `nats` check "down").
 */
export const consumerStallEnvSchema = {
  CONSUMER_STALL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
};

/** NATS_URL, for the config of every service that uses NATS: one server, or a comma-separated cluster list. */
export const natsEnvSchema = {
  NATS_URL: z
    .string()
    .regex(/^(nats|tls):\/\/[^\s]+$/, 'must be a nats:// URL (comma-separated for a cluster)')
    .default('nats://127.0.0.1:4222'),
};
