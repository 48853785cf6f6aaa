import { createPool } from '@ebs/service-kit/db';
import { createLogger } from '@ebs/service-kit/observability';
import { createRepos } from '../src/data/repos';
import { bookSeats, createBookingRush } from '../src/domain/book-seats';
import { createIdempotency, type Idempotency, KeyTaken } from '../src/domain/idempotency';
import { availableSeats, bookingsOf, insertEvent, insertUser } from './support/fixtures';
import { testConfig } from './support/test-app';

// The path two replicas take when both miss each other's key before booking: each replica has its own
// pool and in-flight map; replica A is held after claiming the key inside its transaction, so replica B's
// read before booking sees nothing and only the key's primary key can stop B.
const pools = [createPool(testConfig().db), createPool(testConfig().db)] as const;
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

/** `afterClaim`: runs inside the group transaction right after its key claim was written (the real INSERT). */
function replica(i: 0 | 1, afterClaim?: () => Promise<void>) {
  const pool = pools[i];
  const repos = createRepos(pool);
  if (afterClaim) {
    const claim = repos.idempotency.claim;
    repos.idempotency.claim = async (...args) => {
      const ok = await claim(...args);
      await afterClaim();
      return ok;
    };
  }
  const rush = createBookingRush(
    {
      pool,
      repos,
      logger: createLogger('test', 'silent'),
      outbox: { lease: () => undefined, committed: () => {}, kick: () => {} },
      ...testConfig().holds,
    },
    { maxWaitMs: 10_000, maxGroupSize: 100 },
  );
  const deps = { rush };
  const idempotency: Idempotency = createIdempotency({
    idempotency: repos.idempotency,
    bookings: repos.bookings,
    now: () => new Date(),
  });
  return { deps, idempotency };
}

/** A replica holding its transaction open after its key claim, until the gate opens. */
const heldReplica = (g: ReturnType<typeof gate>) =>
  replica(0, async () => {
    g.reach();
    await g.opened; // A holds its transaction open here
  });

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  let reach!: () => void;
  const reached = new Promise<void>((r) => {
    reach = r;
  });
  return { open, opened, reach, reached };
}

describe('one Idempotency-Key over two replicas', () => {
  test.each([
    ['the same event and body', 'same', 201],
    ['another event', 'other', 422],
  ])(
    'when replica B books with a key replica A has claimed but not committed (%s), then B writes nothing and is answered by A’s key once A commits (replay or 422)',
    async (_what, which, expected) => {
      const g = gate();
      const [a, b] = [heldReplica(g), replica(1)];
      const userId = await insertUser(pools[0]);
      const eventA = await insertEvent(pools[0], 5);
      const eventB = which === 'same' ? eventA : await insertEvent(pools[0], 5);

      const first = a.idempotency.run({ userId, key: 'k', eventId: eventA, quantity: 1 }, (claim) =>
        bookSeats(a.deps, { userId, eventId: eventA, quantity: 1, idempotency: claim }),
      );
      await g.reached;
      const second = b.idempotency
        .run({ userId, key: 'k', eventId: eventB, quantity: 1 }, (claim) =>
          bookSeats(b.deps, { userId, eventId: eventB, quantity: 1, idempotency: claim }),
        )
        .then(
          (r) => ({ status: 201, ...r }),
          (err: { status?: number }) => ({ status: err.status ?? 500, result: undefined, replayed: undefined }),
        );
      await new Promise((r) => setTimeout(r, 300)); // B is now waiting on A's locks
      g.open();

      const [ra, rb] = await Promise.all([first, second]);
      expect(ra.replayed).toBe(false);
      expect(rb.status).toBe(expected);
      if (expected === 201) expect(rb).toMatchObject({ replayed: true, result: ra.result });
      expect(await bookingsOf(pools[0], eventA)).toEqual([{ id: ra.result.id, quantity: 1 }]);
      expect(await availableSeats(pools[0], eventA)).toBe(4);
      if (eventB !== eventA) expect(await availableSeats(pools[0], eventB)).toBe(5);
    },
  );

  test('when replica A books the last seat with a key and replica B retries it before A commits, then B replays A’s booking instead of SOLD_OUT', async () => {
    const g = gate();
    const [a, b] = [heldReplica(g), replica(1)]; // A holds the event row and its key, uncommitted
    const userId = await insertUser(pools[0]);
    const eventId = await insertEvent(pools[0], 1);
    const input = { userId, eventId, quantity: 1 };

    const first = a.idempotency.run({ ...input, key: 'last-seat' }, (claim) =>
      bookSeats(a.deps, { ...input, idempotency: claim }),
    );
    await g.reached;
    // B looks the key up now (nothing committed yet), then queues on the event row lock A holds.
    const second = b.idempotency
      .run({ ...input, key: 'last-seat' }, (claim) => bookSeats(b.deps, { ...input, idempotency: claim }))
      .then(
        (r) => ({ status: 201, ...r }),
        (err: { status?: number; code?: string }) => ({ status: err.status ?? 500, code: err.code }),
      );
    await new Promise((r) => setTimeout(r, 300)); // B is now waiting on A's lock
    g.open();

    const [ra, rb] = await Promise.all([first, second]);
    expect(ra.replayed).toBe(false);
    expect(rb).toMatchObject({ status: 201, replayed: true, result: ra.result });
    expect(await bookingsOf(pools[0], eventId)).toEqual([{ id: ra.result.id, quantity: 1 }]);
    expect(await availableSeats(pools[0], eventId)).toBe(0);
  });

  test('when a request whose key another replica committed shares a group with ten others, then only it books nothing and the ten are booked in that one transaction', async () => {
    const [a, b] = [replica(0), replica(1)];
    const userId = await insertUser(pools[0]);
    const eventId = await insertEvent(pools[0], 20);
    const first = await a.idempotency.run({ userId, key: 'grouped', eventId, quantity: 1 }, (claim) =>
      bookSeats(a.deps, { userId, eventId, quantity: 1, idempotency: claim }),
    );
    // Replica B's request comes straight to the group with the key's claim (as if its read before booking
    // had missed A's commit); ten requests without a key arrive in the same turn, so all eleven form one group.
    const claim = { key: 'grouped', at: new Date() };
    const others = await Promise.all(Array.from({ length: 10 }, () => insertUser(pools[0])));
    const results = await Promise.allSettled([
      ...others.slice(0, 5).map((u) => bookSeats(b.deps, { userId: u, eventId, quantity: 1 })),
      bookSeats(b.deps, { userId, eventId, quantity: 1, idempotency: claim }),
      ...others.slice(5).map((u) => bookSeats(b.deps, { userId: u, eventId, quantity: 1 })),
    ]);
    expect(results[5]).toEqual({ status: 'rejected', reason: expect.any(KeyTaken) });
    const booked = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(booked).toHaveLength(10);
    expect(new Set(booked.map((x) => x.createdAt)).size).toBe(1); // one group: one transaction, one createdAt
    expect(await availableSeats(pools[0], eventId)).toBe(20 - 1 - 10);
    const rows = await bookingsOf(pools[0], eventId);
    expect(rows).toHaveLength(11);
    expect(rows.map((r) => r.id)).toContain(first.result.id);
  });
});
