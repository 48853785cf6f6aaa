import type { RowDataPacket } from 'mysql2/promise';
import { connect, type NatsConnection } from 'nats';
import request from 'supertest';
import { insertEvent, insertUser, outboxOf, streamMessages, waitFor } from './support/fixtures';
import { type OwnServer, startOwnNats } from './support/infra';
import { createTestApp, type TestApp } from './support/test-app';
import { adminAuth } from './support/tokens';

// These tests stop and restart NATS, so they use a nats-server of their own.
let nats: OwnServer & { storeDir: string };
beforeAll(async () => {
  nats = await startOwnNats();
});
afterAll(async () => {
  await nats.stop();
});

async function withWatcher<T>(fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: nats.url });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

const msgIdsOf = async (bookingIds: string[]) => {
  const all = await withWatcher(streamMessages);
  const wanted = new Set(bookingIds.map((id) => `${id}.confirmed`));
  return all.filter((m) => m.msgId !== undefined && wanted.has(m.msgId));
};

async function book(t: TestApp, count: number): Promise<string[]> {
  const eventId = await insertEvent(t.pool, 100);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const userId = await insertUser(t.pool);
    const res = await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId });
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  return ids;
}

describe('outbox relay', () => {
  test('when NATS is down, then bookings still answer 201, and once it is back every message is in the stream exactly once', async () => {
    const t = createTestApp({ NATS_URL: nats.url, OUTBOX_POLL_MS: '100' }, { startRelay: true });
    try {
      await t.nats.firstConnect;
      await nats.stop();
      await waitFor(async () => !t.nats.isConnected(), 5_000);

      const ids = await book(t, 10);
      const ready = await request(t.app).get('/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready', checks: { mysql: 'up', nats: 'down' } });
      expect((await outboxOf(t.pool, ids)).every((o) => o.publishedAt === null)).toBe(true);

      await nats.start();
      const caughtUp = await waitFor(
        async () => (await outboxOf(t.pool, ids)).every((o) => o.publishedAt !== null),
        15_000,
      );
      expect(caughtUp).toBe(true);
      const inStream = await msgIdsOf(ids);
      expect(inStream.map((m) => m.msgId).sort()).toEqual(ids.map((id) => `${id}.confirmed`).sort());
      expect(inStream.every((m) => m.subject === 'bookings.confirmed')).toBe(true);
    } finally {
      await t.close();
    }
  });

  test('when the relay publishes the same rows again, then JetStream reports duplicates and the stream gains nothing', async () => {
    const t = createTestApp({ NATS_URL: nats.url });
    try {
      await t.nats.firstConnect;
      const ids = await book(t, 5);
      expect(await t.relay.relayOnce()).toMatchObject({ published: 5, duplicates: 0, failed: 0 });
      const before = await msgIdsOf(ids);
      expect(before).toHaveLength(5);

      // As if the process died after JetStream's ack but before marking the rows.
      await t.pool.query('UPDATE outbox SET published_at = NULL WHERE msg_id IN (?)', [
        ids.map((id) => `${id}.confirmed`),
      ]);
      expect(await t.relay.relayOnce()).toEqual({ published: 5, duplicates: 5, failed: 0 });
      expect(await msgIdsOf(ids)).toEqual(before);
    } finally {
      await t.close();
    }
  });

  test('when two replicas relay the same backlog, then they share it and each message is published once', async () => {
    const a = createTestApp({ NATS_URL: nats.url, OUTBOX_POLL_MS: '50', OUTBOX_BATCH_SIZE: '5' });
    const b = createTestApp({ NATS_URL: nats.url, OUTBOX_POLL_MS: '50', OUTBOX_BATCH_SIZE: '5' });
    try {
      await Promise.all([a.nats.firstConnect, b.nats.firstConnect]);
      const ids = await book(a, 40);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => ((i % 2 === 0 ? a : b) as TestApp).relay.relayOnce()),
      );
      const published = results.reduce((s, r) => s + r.published, 0);
      const duplicates = results.reduce((s, r) => s + r.duplicates, 0);
      expect(published).toBe(40);
      expect(duplicates).toBe(0); // SKIP LOCKED: no row was claimed by both
      expect(results.filter((r) => r.published > 0).length).toBeGreaterThan(1);
      const inStream = await msgIdsOf(ids);
      expect(inStream).toHaveLength(40);
      const [left] = await a.pool.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL AND msg_id IN (?)',
        [ids.map((id) => `${id}.confirmed`)],
      );
      expect(Number(left[0]?.n)).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('when the service starts, then the BOOKINGS stream captures bookings.> on file storage with a 2-minute duplicate window', async () => {
    const t = createTestApp({ NATS_URL: nats.url });
    try {
      await t.nats.firstConnect;
      const info = await withWatcher(async (nc) => (await nc.jetstreamManager()).streams.info('BOOKINGS'));
      expect(info.config.subjects).toEqual(['bookings.>']);
      expect(info.config.storage).toBe('file');
      expect(info.config.duplicate_window).toBeGreaterThanOrEqual(120 * 1e9);
    } finally {
      await t.close();
    }
  });
});
