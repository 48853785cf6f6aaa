import { randomUUID } from 'node:crypto';
import { withTransaction } from '@ebs/service-kit/db';
import { adminAuth, ownNats } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { connect, type NatsConnection } from 'nats';
import request from 'supertest';
import { ensureBookingsStream } from '../src/messaging/bookings-stream';
import { insertEvent, insertUser, outboxOf, streamMessages, waitFor } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

// These tests stop and restart NATS, so they use a nats-server of their own.
const nats = ownNats('file');

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

/** Each booking's confirmation is in the stream, once. */
async function expectInStreamOnce(bookingIds: string[]): Promise<void> {
  expect((await msgIdsOf(bookingIds)).map((m) => m.msgId).sort()).toEqual(
    bookingIds.map((id) => `${id}.confirmed`).sort(),
  );
}

/** Waits until the replica's relay is connected and hands over: the next booking is written leased to it. */
async function untilHandingOver(t: TestApp): Promise<void> {
  await t.nats.firstConnect;
  expect(await waitFor(async () => t.relay.lease() !== undefined, 5_000)).toBe(true);
}

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

  test('when the service starts, then it configures the BOOKINGS stream: bookings.>, file storage, its duplicate window and retention limits', async () => {
    const t = createTestApp({
      NATS_URL: nats.url,
      NATS_DUPLICATE_WINDOW_SECONDS: '600',
      NATS_STREAM_MAX_AGE_HOURS: '48',
      NATS_STREAM_MAX_BYTES: '104857600',
    });
    try {
      await t.nats.firstConnect;
      const info = await withWatcher(async (nc) => (await nc.jetstreamManager()).streams.info('BOOKINGS'));
      expect(info.config.subjects).toEqual(['bookings.>']);
      expect(info.config.storage).toBe('file');
      expect(info.config.duplicate_window).toBe(600 * 1e9);
      expect(info.config.max_age).toBe(48 * 3600 * 1e9);
      expect(info.config.max_bytes).toBe(104857600);
      expect(info.config.discard).toBe('old');
      expect(info.config.num_replicas).toBe(1); // NATS_STREAM_REPLICAS' default
    } finally {
      await t.close();
    }
  });

  test('when NATS_STREAM_REPLICAS asks a single server for 3 replicas, then the change is refused with an error naming the variable and the stream is left as it was', async () => {
    const limits = { duplicateWindowSeconds: 120, maxAgeHours: 168, maxBytes: 1_073_741_824, replicas: 1 };
    await withWatcher(async (nc) => {
      await ensureBookingsStream(nc, limits);
      const refused = await ensureBookingsStream(nc, { ...limits, maxAgeHours: 24, replicas: 3 }).catch((e) => e);
      expect(refused).toBeInstanceOf(Error);
      expect(refused.message).toMatch(
        /^cannot update the BOOKINGS stream with NATS_STREAM_REPLICAS=3 \(it has 1 replica\(s\)\): this NATS server is not in a cluster\. The stream is left as it was/,
      );
      const info = await (await nc.jetstreamManager()).streams.info('BOOKINGS');
      expect(info.config.num_replicas).toBe(1);
      expect(info.config.max_age).toBe(168 * 3600 * 1e9); // nothing else of the refused update was applied
    });
  });

  test('when NATS hangs mid-publish, then the relay holds no MySQL lock on the rows it claimed (a lease, not a transaction)', async () => {
    const t = createTestApp({ NATS_URL: nats.url });
    try {
      await t.nats.firstConnect;
      const ids = await book(t, 3);
      const msgIds = ids.map((id) => `${id}.confirmed`);
      nats.signal('SIGSTOP');
      let pass: Promise<unknown> | undefined;
      try {
        pass = t.relay.relayOnce().catch((err) => err);
        // The claim is committed and leased to this relay while the publish waits for NATS.
        expect(
          await waitFor(async () => {
            const [rows] = await t.pool.query<RowDataPacket[]>(
              'SELECT COUNT(*) AS n FROM outbox WHERE msg_id IN (?) AND claimed_by IS NOT NULL AND claim_until > NOW(3)',
              [msgIds],
            );
            return Number(rows[0]?.n) === 3;
          }, 1_500),
        ).toBe(true);
        const conn = await t.pool.getConnection();
        try {
          await conn.beginTransaction();
          // NOWAIT: fails at once if any of these rows were still locked (MySQL 8 and MariaDB 10.3+).
          const [locked] = await conn.query<RowDataPacket[]>(
            'SELECT id FROM outbox WHERE msg_id IN (?) FOR UPDATE NOWAIT',
            [msgIds],
          );
          expect(locked).toHaveLength(3);
          await conn.rollback();
        } finally {
          conn.release();
        }
        // Another relay's claim (another replica) skips the leased rows instead of publishing them twice.
        const now = new Date();
        const claimedByOther = await withTransaction(t.pool, (c) =>
          t.repos.outbox.claimDue(c, 'other-replica', 1000, now, new Date(now.getTime() + 30_000)),
        );
        expect(claimedByOther.filter((r) => msgIds.includes(r.msgId))).toEqual([]);
      } finally {
        nats.signal('SIGCONT');
      }
      await pass;
      // Published now or due again later; never stuck with a lease.
      expect(
        await waitFor(async () => {
          const r = await t.relay.relayOnce();
          return r.failed === 0 && (await outboxOf(t.pool, ids)).every((o) => o.publishedAt !== null);
        }, 15_000),
      ).toBe(true);
    } finally {
      nats.signal('SIGCONT');
      await t.close();
    }
  });

  test('when a booking commits while the relay runs, then its message is written leased to this relay and published from memory, never claimed', async () => {
    // A poll far away: only the hand-over after the commit can publish these rows without a claim.
    const t = createTestApp({ NATS_URL: nats.url, OUTBOX_POLL_MS: '60000' }, { startRelay: true });
    const claims = jest.spyOn(t.repos.outbox, 'claimDue');
    const ownClaims = () => claims.mock.calls.filter(([, owner]) => owner !== 'other-replica').length;
    try {
      await t.nats.firstConnect;
      // The catch-up pass after connecting claims once; from then on only the hand-over runs.
      expect(await waitFor(async () => ownClaims() > 0 && t.relay.lease() !== undefined, 5_000)).toBe(true);
      const claimsBefore = ownClaims();
      nats.signal('SIGSTOP');
      let ids: string[] = [];
      try {
        ids = await book(t, 3);
        const msgIds = ids.map((id) => `${id}.confirmed`);
        // Leased by the booking transaction itself while the publish waits for NATS.
        const [leased] = await t.pool.query<RowDataPacket[]>(
          `SELECT msg_id FROM outbox WHERE msg_id IN (?) AND published_at IS NULL AND claimed_by IS NOT NULL
              AND claim_until > NOW(3)`,
          [msgIds],
        );
        expect(leased.map((r) => r.msg_id).sort()).toEqual([...msgIds].sort());
        // Another replica's claim skips them.
        const now = new Date();
        const claimedByOther = await withTransaction(t.pool, (c) =>
          t.repos.outbox.claimDue(c, 'other-replica', 1000, now, new Date(now.getTime() + 30_000)),
        );
        expect(claimedByOther.filter((r) => msgIds.includes(r.msgId))).toEqual([]);
      } finally {
        nats.signal('SIGCONT');
      }
      expect(
        await waitFor(async () => (await outboxOf(t.pool, ids)).every((o) => o.publishedAt !== null), 10_000),
      ).toBe(true);
      await expectInStreamOnce(ids);
      const [still] = await t.pool.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM outbox WHERE msg_id IN (?) AND claimed_by IS NOT NULL',
        [ids.map((id) => `${id}.confirmed`)],
      );
      expect(Number(still[0]?.n)).toBe(0);
      expect(ownClaims()).toBe(claimsBefore);
    } finally {
      nats.signal('SIGCONT');
      claims.mockRestore();
      await t.close();
    }
  });

  test('when the relay stops while a publish is in flight, then the rows handed to it meanwhile are published before it ends', async () => {
    const t = createTestApp({ NATS_URL: nats.url, OUTBOX_POLL_MS: '100' }, { startRelay: true });
    try {
      await untilHandingOver(t);
      nats.signal('SIGSTOP');
      let ids: string[] = [];
      try {
        // The first pass waits on its publish; the later bookings wait in memory for the next pass.
        ids = await book(t, 3);
      } finally {
        const stopping = t.relay.stop();
        nats.signal('SIGCONT');
        await stopping;
      }
      const [rows] = await t.pool.query<RowDataPacket[]>(
        'SELECT claimed_by, published_at FROM outbox WHERE msg_id IN (?)',
        [ids.map((id) => `${id}.confirmed`)],
      );
      expect(rows).toHaveLength(3);
      expect(rows.every((r) => r.claimed_by === null && r.published_at !== null)).toBe(true);
      await expectInStreamOnce(ids);
    } finally {
      nats.signal('SIGCONT');
      await t.close();
    }
  });

  test('when NATS hangs past the publish timeout, then the rows handed over meanwhile are released, new ones are written unleased, and all are published once it is back', async () => {
    const t = createTestApp({ NATS_URL: nats.url, OUTBOX_POLL_MS: '1000' }, { startRelay: true });
    try {
      await untilHandingOver(t);
      nats.signal('SIGSTOP');
      let ids: string[] = [];
      try {
        ids = await book(t, 3);
        const msgIds = ids.map((id) => `${id}.confirmed`);
        // The first pass times out: its row (one attempt) and the two waiting in memory (released untried, by
        // that same pass) are due again, leased to no one.
        const released = async () => {
          const [rows] = await t.pool.query<RowDataPacket[]>(
            'SELECT msg_id, attempts FROM outbox WHERE msg_id IN (?) AND claimed_by IS NULL',
            [msgIds],
          );
          return rows.length === 3 ? rows.map((r) => Number(r.attempts)).sort() : undefined;
        };
        expect(await waitFor(async () => (await released()) !== undefined, 5_000)).toBe(true);
        expect(await released()).toEqual([0, 0, 1]);
        expect(t.relay.lease()).toBeUndefined();
        const [later] = await book(t, 1);
        ids.push(later as string);
        const [row] = await t.pool.query<RowDataPacket[]>('SELECT claimed_by FROM outbox WHERE msg_id = ?', [
          `${later}.confirmed`,
        ]);
        expect(row[0]?.claimed_by).toBeNull();
      } finally {
        nats.signal('SIGCONT');
      }
      expect(
        await waitFor(async () => (await outboxOf(t.pool, ids)).every((o) => o.publishedAt !== null), 15_000),
      ).toBe(true);
      await expectInStreamOnce(ids);
    } finally {
      nats.signal('SIGCONT');
      await t.close();
    }
  });

  test('when MySQL fails to mark a handed-over row published, then the row goes back in line and is marked by the next pass, not left leased', async () => {
    // No poll for a minute: only the catch-up pass at connect and the hand-over run.
    const t = createTestApp({ NATS_URL: nats.url, OUTBOX_POLL_MS: '60000' }, { startRelay: true });
    const markPublished = t.repos.outbox.markPublished;
    let rejected: string[] | undefined;
    const mark = jest.spyOn(t.repos.outbox, 'markPublished').mockImplementation(async (msgIds, at) => {
      if (armed && rejected === undefined && msgIds.length > 0) {
        rejected = msgIds;
        throw new Error('MySQL hiccup');
      }
      return markPublished(msgIds, at);
    });
    let armed = false;
    try {
      await untilHandingOver(t);
      await t.relay.relayOnce(); // whatever other suites left in the outbox is published now, not in the failing pass
      armed = true;
      const ids = await book(t, 1);
      const msgId = `${ids[0]}.confirmed`;
      expect(await waitFor(async () => rejected !== undefined, 3_000)).toBe(true);
      expect(rejected).toEqual([msgId]);
      // Inside the hand-over lease (10 s) and with no poll due: only the retry from memory can mark it.
      expect(await waitFor(async () => (await outboxOf(t.pool, ids)).every((o) => o.publishedAt !== null), 8_000)).toBe(
        true,
      );
      expect(await msgIdsOf(ids)).toHaveLength(1); // the second publish was a duplicate JetStream dropped
    } finally {
      mark.mockRestore();
      await t.close();
    }
  });

  test('when the lease of a handed-over row is about to end, then the relay leaves it to the claim instead of publishing it from memory', async () => {
    const t = createTestApp({ NATS_URL: nats.url, OUTBOX_POLL_MS: '100' }, { startRelay: true });
    const msgId = `${randomUUID()}.confirmed`;
    try {
      await t.nats.firstConnect;
      const lease = t.relay.lease();
      expect(lease).toBeDefined();
      // Less left than a publish may take (its timeout): another relay could claim it mid-publish.
      const until = new Date(Date.now() + 1_500);
      const message = {
        msgId,
        subject: 'bookings.confirmed',
        payload: { short: true },
        createdAt: new Date(),
        lease: { owner: lease?.owner as string, until },
      };
      await withTransaction(t.pool, (conn) => t.repos.outbox.insertMany(conn, [message]));
      t.relay.committed([message]);
      await new Promise((r) => setTimeout(r, 500));
      const [early] = await t.pool.query<RowDataPacket[]>('SELECT published_at FROM outbox WHERE msg_id = ?', [msgId]);
      expect(early[0]?.published_at).toBeNull();
      const published = async () => {
        const [rows] = await t.pool.query<RowDataPacket[]>('SELECT published_at FROM outbox WHERE msg_id = ?', [msgId]);
        return rows[0]?.published_at as Date | null | undefined;
      };
      expect(await waitFor(async () => Boolean(await published()), 5_000)).toBe(true);
      expect(((await published()) as Date).getTime()).toBeGreaterThanOrEqual(until.getTime());
      const inStream = await withWatcher(streamMessages);
      expect(inStream.filter((m) => m.msgId === msgId)).toHaveLength(1);
    } finally {
      await t.pool.query('DELETE FROM outbox WHERE msg_id = ?', [msgId]);
      await t.close();
    }
  });

  test('when a relay marks rows failed, then it leaves rows another relay holds or has published', async () => {
    const t = createTestApp({ NATS_URL: nats.url });
    const held = `${randomUUID()}.confirmed`;
    const done = `${randomUUID()}.confirmed`;
    try {
      const base = { subject: 'bookings.confirmed', payload: {}, createdAt: new Date() };
      await withTransaction(t.pool, (conn) =>
        t.repos.outbox.insertMany(conn, [
          { ...base, msgId: held, lease: { owner: 'other-replica', until: new Date(Date.now() + 60_000) } },
          { ...base, msgId: done },
        ]),
      );
      await t.repos.outbox.markPublished([done], new Date());
      await t.repos.outbox.markFailed('this-replica', [held, done], 'publish failed', new Date());
      const [rows] = await t.pool.query<RowDataPacket[]>(
        'SELECT msg_id, claimed_by, attempts, last_error, published_at FROM outbox WHERE msg_id IN (?) ORDER BY msg_id',
        [[held, done]],
      );
      const byId = new Map(rows.map((r) => [r.msg_id, r]));
      expect(byId.get(held)).toMatchObject({ claimed_by: 'other-replica', attempts: 0, last_error: null });
      expect(byId.get(done)).toMatchObject({ claimed_by: null, attempts: 0, last_error: null });
      expect(byId.get(done)?.published_at).not.toBeNull();
    } finally {
      await t.pool.query('DELETE FROM outbox WHERE msg_id IN (?)', [[held, done]]);
      await t.close();
    }
  });

  test('when a group commits after the relay stopped, then its rows are released at once, not left leased', async () => {
    const t = createTestApp({ NATS_URL: nats.url }, { startRelay: true });
    const msgId = `${randomUUID()}.confirmed`;
    try {
      await untilHandingOver(t);
      // As a group does: rows written with the lease taken before stop(), handed over after it.
      const lease = t.relay.lease();
      const message = { msgId, subject: 'bookings.confirmed', payload: { late: true }, createdAt: new Date(), lease };
      await withTransaction(t.pool, (conn) => t.repos.outbox.insertMany(conn, [message]));
      await t.relay.stop();
      t.relay.committed([message]);
      const leased = async () => {
        const [rows] = await t.pool.query<RowDataPacket[]>('SELECT claimed_by FROM outbox WHERE msg_id = ?', [msgId]);
        return rows[0]?.claimed_by;
      };
      expect(await waitFor(async () => (await leased()) === null, 3_000)).toBe(true);
    } finally {
      await t.pool.query('DELETE FROM outbox WHERE msg_id = ?', [msgId]);
      await t.close();
    }
  });

  test('when published rows are older than the retention, then a purge deletes them and keeps the rest', async () => {
    const t = createTestApp({ NATS_URL: nats.url, OUTBOX_RETENTION_HOURS: '24' });
    try {
      const tag = randomUUID();
      const old = new Date(Date.now() - 25 * 3_600_000);
      const recent = new Date(Date.now() - 23 * 3_600_000);
      const rows = [
        [`${tag}.old-published`, old, old],
        [`${tag}.recent-published`, recent, recent],
        [`${tag}.old-unpublished`, old, null],
      ];
      await t.pool.query(
        'INSERT INTO outbox (msg_id, subject, payload, created_at, next_attempt_at, published_at) VALUES ?',
        [
          rows.map(([msgId, at, published]) => [
            msgId,
            'bookings.test',
            '{}',
            at,
            new Date(Date.now() + 3_600_000),
            published,
          ]),
        ],
      );
      expect(await t.relay.purgeOnce()).toBeGreaterThanOrEqual(1);
      const [left] = await t.pool.query<RowDataPacket[]>(
        'SELECT msg_id FROM outbox WHERE msg_id LIKE ? ORDER BY msg_id',
        [`${tag}.%`],
      );
      expect(left.map((r) => r.msg_id)).toEqual([`${tag}.old-unpublished`, `${tag}.recent-published`]);
    } finally {
      await t.close();
    }
  });
});
