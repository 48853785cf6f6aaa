import { createPool } from '@ebs/service-kit/db';
import { customerAuth, type ServiceProcess, startServiceProcess } from '@ebs/service-kit/testing';
import { insertEvent, insertUser } from './support/fixtures';
import {
  book,
  bookingRows,
  brokenInvariant,
  cancel,
  confirm,
  hold,
  mysqlNow,
  natsPerFile,
  outboxKinds,
  type Reply,
  StreamTail,
  seatLedger,
  streamKinds,
  until,
} from './support/holds';
import { createTestApp, testConfig } from './support/test-app';

// Holds over two replicas: confirms racing expiry (two service processes, both sweepers running) and confirms
// racing cancels of one hold. Every decision is the MySQL transaction's under the event row lock, so each hold
// ends in one state, its seats come back at most once, and it has one message per state change.

const nats = natsPerFile();
const pool = createPool(testConfig().db);
afterAll(async () => {
  await pool.end();
});

/** Resolves at local time `at` (ms): fires a request at a chosen moment of the race, never to wait for a result. */
const at = (when: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, when - Date.now())));

describe('confirm racing expiry over two replicas', () => {
  test('when many holds are confirmed around their expiresAt on both replicas while both sweepers run, then each ends confirmed (all its confirms 200) or expired (all 409 HOLD_EXPIRED), never both, with one message and its seats back at most once', async () => {
    const env = { HOLD_TTL_SECONDS: '2', HOLD_SWEEP_MS: '100', LOG_LEVEL: 'warn' };
    const replicas: ServiceProcess[] = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
    const urls = replicas.map((r) => r.url);
    try {
      const total = 200;
      const eventId = await insertEvent(pool, total);
      const users = await Promise.all(Array.from({ length: 20 }, () => insertUser(pool)));
      const tail = await StreamTail.open(nats.nc);
      expect((await book(urls[0] as string, users[0] as string, eventId, 5)).status).toBe(201);

      const N = 80;
      const owners = Array.from({ length: N }, (_, i) => users[i % users.length] as string);
      const holds = await Promise.all(
        owners.map((userId, i) => hold(urls[i % 2] as string, userId, eventId, 1 + (i % 3))),
      );
      expect(holds.filter((h) => h.status !== 201)).toEqual([]);
      const ids = holds.map((h) => String(h.body.id));

      // Each hold gets two confirms, one on each replica, fired at its expiresAt (MySQL's clock, moved to this
      // process's) plus an offset spread from -700 ms to +300 ms over the holds: early ones find it held, late
      // ones expired (swept or not), those near the boundary race the sweepers.
      // MySQL's clock minus this process's, bounded on both sides by the round trip of the reading.
      const before = Date.now();
      const dbNow = await mysqlNow(pool);
      const after = Date.now();
      const [skewLow, skewHigh] = [dbNow - after, dbNow - before];
      const timed: Array<Array<{ r: Reply; sentBy: number; answeredBy: number }>> = await Promise.all(
        holds.map(async (h, i) => {
          const offset = -700 + Math.round((1000 * i) / (N - 1));
          const fireAt = Date.parse(String(h.body.expiresAt)) - skewLow + offset;
          await at(fireAt);
          const auth = customerAuth(owners[i] as string);
          return Promise.all(
            [urls[i % 2], urls[(i + 1) % 2]].map(async (url) => {
              // By MySQL's clock: sent no earlier than sentBy, answered no later than answeredBy.
              const sentBy = Date.now() + skewLow;
              const r = await confirm(url as string, ids[i] as string, auth);
              return { r, sentBy, answeredBy: Date.now() + skewHigh };
            }),
          );
        }),
      );
      const answers: Reply[][] = timed.map((pair) => pair.map((x) => x.r));
      // MySQL's clock decides: a hold is confirmed only by a confirm sent before its expiresAt (a later one may
      // answer the same 200: already confirmed), and no confirm answered before expiresAt finds it expired.
      const misjudged = timed.flatMap((pair, i) => {
        const expiresAt = Date.parse(String(holds[i]?.body.expiresAt));
        const confirmedLate = pair.some(({ r }) => r.status === 200) && pair.every(({ sentBy }) => sentBy > expiresAt);
        const expiredEarly = pair.some(({ r, answeredBy }) => r.status === 409 && answeredBy < expiresAt);
        return confirmedLate || expiredEarly
          ? [
              {
                id: ids[i],
                expiresAt: holds[i]?.body.expiresAt,
                pair: pair.map(({ r, sentBy, answeredBy }) => ({ status: r.status, sentBy, answeredBy })),
              },
            ]
          : [];
      });
      expect(misjudged).toEqual([]);

      // Nothing stays held: the sweepers expire whatever was not confirmed.
      expect(
        await until(async () => [...(await bookingRows(pool, ids)).values()].every((b) => b.status !== 'held'), 10_000),
      ).toBe(true);
      const rows = await bookingRows(pool, ids);
      const problems: unknown[] = [];
      let confirmedSeats = 5;
      const outcomes = { confirmed: 0, expired: 0 };
      for (const [i, id] of ids.entries()) {
        const statuses = (answers[i] as Reply[]).map((r) =>
          r.status === 200 ? `200 ${r.body.status}` : `${r.status} ${r.body.error?.code}`,
        );
        const status = rows.get(id)?.status;
        const expected = status === 'confirmed' ? '200 confirmed' : '409 HOLD_EXPIRED';
        if (status !== 'confirmed' && status !== 'expired') problems.push({ id, status });
        if (statuses.some((s) => s !== expected)) problems.push({ id, status, statuses });
        const kinds = await outboxKinds(pool, id);
        if (kinds.length !== 1 || kinds[0] !== status) problems.push({ id, status, outbox: kinds });
        if (status === 'confirmed') {
          confirmedSeats += rows.get(id)?.quantity ?? 0;
          outcomes.confirmed++;
        } else outcomes.expired++;
      }
      expect(problems).toEqual([]);
      // The race was real: some holds were confirmed in time and some expired.
      expect(outcomes.confirmed).toBeGreaterThan(0);
      expect(outcomes.expired).toBeGreaterThan(0);

      expect(await seatLedger(pool, eventId)).toEqual({
        total,
        available: total - confirmedSeats,
        held: 0,
        confirmed: confirmedSeats,
      });
      expect(await brokenInvariant(pool, [eventId])).toEqual([]);

      // JetStream: per hold exactly one message, bookings.confirmed or bookings.expired as MySQL says.
      expect(await tail.until((t) => ids.every((id) => t.of(id).length >= 1), 20_000)).toBe(true);
      const wrong = ids
        .map((id) => ({ id, status: rows.get(id)?.status, stream: streamKinds(tail, id) }))
        .filter((x) => x.stream.length !== 1 || x.stream[0] !== x.status);
      expect(wrong).toEqual([]);
    } finally {
      for (const r of replicas) r.proc.kill('SIGTERM');
      await Promise.all(replicas.map((r) => r.exited));
    }
  }, 60_000);
});

describe('confirms racing cancels of one hold', () => {
  test('when 50 confirms and 50 cancels of one hold race over two instances, then it ends cancelled with one state change each way at most: cancels all the same 200, confirms 200 or 409 CONFLICT, seats back once', async () => {
    const a = createTestApp({}, { startRelay: true });
    const b = createTestApp({}, { startRelay: true });
    try {
      const urls = [await a.listen(), await b.listen()];
      const eventId = await insertEvent(pool, 10);
      const others = [await insertUser(pool), await insertUser(pool)];
      for (const u of others) expect((await book(urls[0] as string, u, eventId, 2)).status).toBe(201);
      const owner = await insertUser(pool);
      const tail = await StreamTail.open(nats.nc);
      const held = await hold(urls[1] as string, owner, eventId, 3);
      expect(held.status).toBe(201);
      const id = String(held.body.id);
      expect(await seatLedger(pool, eventId)).toEqual({ total: 10, available: 3, held: 3, confirmed: 4 });

      // Interleaved: confirm on A, cancel on B, confirm on B, cancel on A, ...
      const auth = customerAuth(owner);
      const requests = Array.from({ length: 100 }, (_, i) => {
        const url = urls[i % 4 === 0 || i % 4 === 3 ? 0 : 1] as string;
        return i % 2 === 0
          ? confirm(url, id, auth).then((r) => ({ kind: 'confirm' as const, r }))
          : cancel(url, id, auth).then((r) => ({ kind: 'cancel' as const, r }));
      });
      const results = await Promise.all(requests);
      const cancels = results.filter((x) => x.kind === 'cancel').map((x) => x.r);
      const confirms = results.filter((x) => x.kind === 'confirm').map((x) => x.r);

      // Cancelling is allowed from held and from confirmed: every cancel is the same 200.
      expect(cancels.map((r) => r.status)).toEqual(Array(50).fill(200));
      const cancelled = cancels[0]?.body;
      expect(cancelled).toMatchObject({ id, status: 'cancelled', cancelledAt: expect.any(String) });
      for (const r of cancels) expect(r.body).toEqual(cancelled);
      // A confirm before the cancel: 200 confirmed (all alike); after it: 409 CONFLICT.
      const confirmedAnswers = confirms.filter((r) => r.status === 200);
      for (const r of confirmedAnswers) expect(r.body).toEqual(confirmedAnswers[0]?.body);
      expect(confirmedAnswers.every((r) => r.body.status === 'confirmed')).toBe(true);
      expect(confirms.filter((r) => r.status !== 200).map((r) => [r.status, r.body.error?.code])).toEqual(
        Array(50 - confirmedAnswers.length).fill([409, 'CONFLICT']),
      );

      // The seats came back exactly once (3, not 6), the hold is cancelled, the event adds up.
      expect((await bookingRows(pool, [id])).get(id)?.status).toBe('cancelled');
      expect(await seatLedger(pool, eventId)).toEqual({ total: 10, available: 6, held: 0, confirmed: 4 });
      expect(await brokenInvariant(pool, [eventId])).toEqual([]);

      // Messages: one bookings.cancelled; one bookings.confirmed exactly when a confirm won before the cancel.
      const expectedKinds = confirmedAnswers.length > 0 ? ['confirmed', 'cancelled'] : ['cancelled'];
      expect(await outboxKinds(pool, id)).toEqual(expectedKinds);
      expect(await tail.until((t) => t.of(id).length >= expectedKinds.length)).toBe(true);
      // Two relays publish: the stream's order of the two may be either.
      expect(streamKinds(tail, id).sort()).toEqual([...expectedKinds].sort());
      const cancelMsg = tail.of(id).find((m) => m.subject === 'bookings.cancelled');
      expect(cancelMsg?.data.cancelledAt).toBe(cancelled?.cancelledAt);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
