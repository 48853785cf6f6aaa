import type { RowDataPacket } from 'mysql2/promise';
import type { attempt } from './support/http';
import { type NatsCluster, type Placement, startNatsCluster } from './support/nats-cluster';
import {
  bookAs,
  bookingIdOf,
  bookingRows,
  type Customer,
  createEvent,
  createUser,
  rush,
  statusOf,
  waitAllNotified,
} from './support/scenario';
import { type StackOnNats, startStack } from './support/stack';

// The services on a 3-node JetStream cluster (DESIGN §4 "High availability"): with NATS_STREAM_REPLICAS=3 the
// BOOKINGS stream and the durable consumers live on all three servers, so losing any one of them (the stream's
// leader included) loses no message and stops no booking. The outbox absorbs the election in between.

const STREAM = 'BOOKINGS';
const CONSUMERS = ['notification-service', 'event-service-cache'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Answer = Awaited<ReturnType<typeof attempt>>;

/**
 * Books one seat at a time in `workers` loops at once, each alternating the two booking replicas, until
 * stopped; `burst` fires a rush meanwhile, whose answers join the others, so every answer is checked.
 */
function bookingLoad(stack: StackOnNats, users: Customer[], eventId: string, workers: number) {
  let stop = false;
  const answers: Answer[] = [];
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const replica = stack.bookings[(w + i) % 2] as (typeof stack.bookings)[0];
      answers.push(await bookAs(replica.url, users[(w * 7 + i) % users.length] as Customer, eventId));
      await sleep(10);
    }
  });
  const bursts: Array<Promise<Answer[]>> = [];
  let finished: Promise<Answer[]> | undefined;
  return {
    answers,
    burst: (count: number) => bursts.push(rush(stack, eventId, users, count)),
    /** Stops the loops and waits for every answer (the same promise when called again). */
    finish: () => {
      stop = true;
      finished ??= (async () => {
        await Promise.all(loops);
        for (const b of await Promise.all(bursts)) answers.push(...b);
        return answers;
      })();
      return finished;
    },
  };
}

/** The confirmed-booking outbox rows of one event: when each was written and when JetStream acknowledged it. */
async function outboxTimes(stack: StackOnNats, eventId: string) {
  const [rows] = await stack.pool.query<RowDataPacket[]>(
    `SELECT created_at, published_at FROM outbox
      WHERE subject = 'bookings.confirmed' AND JSON_UNQUOTE(JSON_EXTRACT(payload, '$.eventId')) = ?`,
    [eventId],
  );
  return rows.map((r) => ({
    created: (r.created_at as Date).getTime(),
    published: r.published_at === null ? undefined : (r.published_at as Date).getTime(),
  }));
}

/**
 * Waits until `upTo` has passed and every outbox row of the event written up to it is published (NATS
 * acknowledged it); resolves with when the last of those rows was published (its published_at). Before
 * `upTo` has passed, rows written up to it may still be to come, so "all published" would be said too early.
 */
async function publishedUpTo(cluster: NatsCluster, stack: StackOnNats, eventId: string, upTo: number, what: string) {
  return cluster.waitFor(what, 20_000, async () => {
    if (Date.now() <= upTo) return undefined;
    const rows = (await outboxTimes(stack, eventId)).filter((r) => r.created <= upTo);
    if (rows.length === 0 || rows.some((r) => r.published === undefined)) return undefined;
    return Math.max(...rows.map((r) => r.published as number));
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function latencies(rows: Array<{ created: number; published?: number }>) {
  const ms = rows.map((r) => (r.published ?? Number.NaN) - r.created);
  return `n=${ms.length} p50=${percentile(ms, 50)} p99=${percentile(ms, 99)} max=${Math.max(...ms)} ms`;
}

async function waitForPlacement(
  what: string,
  look: () => Promise<Placement>,
  ok: (p: Placement) => boolean,
  cluster: NatsCluster,
) {
  return cluster.waitFor(what, 20_000, async () => {
    const p = await look();
    return ok(p) ? p : undefined;
  });
}

/** Waits until every server is current in the stream's and the consumers' groups (after a restart). */
async function allCaughtUp(cluster: NatsCluster) {
  const everyone = (p: Placement) =>
    p.peers.length === cluster.nodes.length && p.replicas.every((r) => r.current && !r.offline);
  await waitForPlacement(
    'the stream to have every server current',
    () => cluster.streamPlacement(STREAM),
    everyone,
    cluster,
  );
  for (const durable of CONSUMERS) {
    await waitForPlacement(
      `consumer ${durable} to have every server current`,
      () => cluster.consumerPlacement(STREAM, durable),
      everyone,
      cluster,
    );
  }
}

describe('a 3-node JetStream cluster with NATS_STREAM_REPLICAS=3', () => {
  let cluster: NatsCluster;
  let stack: StackOnNats;
  let users: Customer[];
  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    stack = await startStack({ natsUrl: cluster.url, env: { NATS_STREAM_REPLICAS: '3' } });
    users = await Promise.all(Array.from({ length: 10 }, () => createUser(stack)));
  });
  afterAll(async () => {
    await stack?.stop();
    await cluster?.stop();
  });

  test('when the stack starts with NATS_URL listing all three servers, then the stream and the durable consumers have 3 replicas', async () => {
    expect(stack.natsUrl.split(',')).toEqual(cluster.nodes.map((n) => n.url));
    const names = cluster.nodes.map((n) => n.name).sort();

    const stream = await cluster.streamPlacement(STREAM);
    expect([...stream.peers].sort()).toEqual(names);
    for (const durable of CONSUMERS) {
      // Each service makes its consumer once connected: looked up until it exists, then it must be R3 too.
      const consumer = await cluster.waitFor(`consumer ${durable}`, 10_000, () =>
        cluster.consumerPlacement(STREAM, durable),
      );
      expect({ durable, peers: [...consumer.peers].sort() }).toEqual({ durable, peers: names });
    }
  });

  test("when the server leading notification-service's consumer is SIGKILLed, then a booking made meanwhile is notified within 20 s", async () => {
    const durable = 'notification-service';
    // The exact scenario: only the consumer's leader goes. notification-service keeps its connection (to another
    // server), the stream keeps its leader (no stream election, 4-9 s, on top) and so does JetStream's meta layer
    // (no meta election either: nats.js's consume() asks for the consumer's info before it pulls again, and a
    // leaderless consumer's info is the meta leader's to answer). Leaders are moved until the consumer's is on
    // the one server that is none of those.
    const clientOn = await cluster.serversOf('notification-service');
    expect(clientOn).toHaveLength(1);
    const clientServer = clientOn[0] as string;
    const leaders = async () => {
      const stream = await waitForPlacement(
        'the stream with a leader',
        () => cluster.streamPlacement(STREAM),
        (p) => p.leader !== undefined,
        cluster,
      );
      const consumer = await waitForPlacement(
        `consumer ${durable} with a leader`,
        () => cluster.consumerPlacement(STREAM, durable),
        (p) => p.leader !== undefined,
        cluster,
      );
      const meta = await cluster.waitFor('the meta leader', 20_000, cluster.metaLeader);
      return { consumer: consumer.leader as string, stream: stream.leader as string, meta };
    };
    const spared = (l: { stream: string; meta: string }) => new Set([clientServer, l.stream, l.meta]);
    let now = await leaders();
    let moves = 0;
    for (; moves < 12 && spared(now).has(now.consumer); moves++) {
      // Three different servers to spare leave none: a stream step-down moves its leader onto one of the two
      // others, both spared already. Then each consumer step-down lands on the server left with 1/2 at least.
      if (spared(now).size === cluster.nodes.length) await cluster.stepDownStream(STREAM);
      else await cluster.stepDownConsumer(STREAM, durable);
      now = await leaders();
    }
    const arranged = now;
    expect(arranged.consumer).not.toBe(clientServer);
    expect(arranged.consumer).not.toBe(arranged.stream);
    expect(arranged.consumer).not.toBe(arranged.meta);

    const eventId = await createEvent(stack, 10);
    const booked: string[] = [];
    const book = async (customer: Customer) => {
      const answer = await bookAs(stack.bookings[0].url, customer, eventId);
      expect(statusOf(answer)).toBe(201);
      booked.push(bookingIdOf(answer) as string);
    };
    // It consumes before the kill, with the leaders as arranged.
    await book(users[0] as Customer);
    expect([...(await waitAllNotified(stack, eventId, 20_000)).values()]).toEqual([1]);
    // Still so right before the kill.
    expect(await leaders()).toEqual(arranged);
    expect(await cluster.serversOf('notification-service')).toEqual(clientOn);
    const leader = arranged.consumer;

    await cluster.kill(leader);
    const killedAt = Date.now();
    try {
      await book(users[1] as Customer);
      const counts = await waitAllNotified(stack, eventId, 20_000);
      const ms = Date.now() - killedAt;
      expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(booked.map((id) => [id, 1])));
      console.log(
        `consumer leader ${leader} SIGKILLed (notification-service connected to ${clientServer}, stream leader ` +
          `${arranged.stream}, meta leader ${arranged.meta}; ${moves} leader moves to get there): ` +
          `the booking made meanwhile was notified after ${ms} ms`,
      );
    } finally {
      await cluster.restart(leader);
      await allCaughtUp(cluster);
    }
  });

  test('when the stream leader is SIGKILLed during a rush and comes back, then a non-leader is killed, then every booking answers 201, is stored once and notified once', async () => {
    const eventId = await createEvent(stack, 1_000_000); // never sells out: every answer must be a 201
    const load = bookingLoad(stack, users, eventId, 4);
    const t0 = Date.now();
    const failover = async () => {
      await cluster.waitFor('bookings before the kill', 10_000, async () =>
        load.answers.length >= 100 ? true : undefined,
      );
      await publishedUpTo(cluster, stack, eventId, Date.now(), 'the first bookings to be published');

      // 1. The stream's leader dies: the two others elect a new one while bookings go on.
      const before = await cluster.streamPlacement(STREAM);
      const oldLeader = before.leader as string;
      expect(oldLeader).toBeDefined();
      const leaderKilledAt = Date.now();
      await cluster.kill(oldLeader);
      load.burst(300);
      const elected = await waitForPlacement(
        'a new stream leader among the servers still up',
        () => cluster.streamPlacement(STREAM),
        (p) => p.leader !== undefined && p.leader !== oldLeader,
        cluster,
      );
      const electedAt = Date.now();
      // With the old leader still down, everything booked so far is published to the new one.
      const drainedAt = await publishedUpTo(
        cluster,
        stack,
        eventId,
        electedAt + 1_000,
        'the bookings of the election to be published without the old leader',
      );
      expect(cluster.node(oldLeader).proc.running).toBe(false);

      // 2. It comes back with its store and catches up.
      await cluster.restart(oldLeader);
      const restartedAt = Date.now();
      const caughtUp = await waitForPlacement(
        'the old leader to catch up as a replica',
        () => cluster.streamPlacement(STREAM),
        (p) => p.replicas.some((r) => r.name === oldLeader && r.current && !r.offline),
        cluster,
      );

      // 3. A server that is not the leader dies: nothing to elect, bookings and publishes go on.
      const follower = caughtUp.peers.find((n) => n !== caughtUp.leader) as string;
      const followerKilledAt = Date.now();
      await cluster.kill(follower);
      load.burst(300);
      await publishedUpTo(
        cluster,
        stack,
        eventId,
        followerKilledAt + 1_000,
        'the bookings after a follower died to be published',
      );
      return { oldLeader, leaderKilledAt, elected, electedAt, drainedAt, restartedAt, follower, followerKilledAt };
    };
    // The load stops whatever happens (a failed wait included): its loops would outlive the test.
    const { oldLeader, leaderKilledAt, elected, electedAt, drainedAt, restartedAt, follower, followerKilledAt } =
      await failover().finally(() => load.finish());
    const answers = await load.finish();
    const endedAt = Date.now();

    // No booking request failed because of it.
    const statuses = answers.map(statusOf);
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
    // Every 201 is stored once.
    const ids = answers.map(bookingIdOf);
    expect(new Set(ids).size).toBe(ids.length);
    const rows = await bookingRows(stack, eventId);
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    // And notified exactly once, with one server still down.
    const counts = await waitAllNotified(stack, eventId, 45_000);
    const notifiedAt = Date.now();
    expect(counts.size).toBe(rows.length);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);

    const times = await outboxTimes(stack, eventId);
    expect(times.filter((r) => r.published === undefined)).toEqual([]);
    const s = (at: number) => `${((at - t0) / 1000).toFixed(1)}s`;
    const duringLeaderLoss = times.filter((r) => r.created >= leaderKilledAt && r.created < restartedAt);
    const inFlightAtKill = times.filter((r) => r.created < leaderKilledAt && (r.published ?? 0) > leaderKilledAt);
    const duringFollowerLoss = times.filter((r) => r.created >= followerKilledAt);
    console.log(
      `nats-cluster failover: ${answers.length} bookings all 201 over ${s(endedAt)}; ` +
        `leader ${oldLeader} SIGKILLed at ${s(leaderKilledAt)}, ${elected.leader} elected after ${electedAt - leaderKilledAt} ms, ` +
        `backlog (written up to 1 s after the election) published by ${s(drainedAt)}, old leader restarted at ${s(restartedAt)}; ` +
        `publish latency (outbox created_at -> published_at) of the ${duringLeaderLoss.length + inFlightAtKill.length} rows published after the leader was killed ` +
        `(${inFlightAtKill.length} in flight at the kill): ${latencies([...inFlightAtKill, ...duringLeaderLoss])}; ` +
        `follower ${follower} SIGKILLed at ${s(followerKilledAt)}: ${latencies(duringFollowerLoss)}; ` +
        `all rows: ${latencies(times)}; all notified ${notifiedAt - endedAt} ms after the load ended`,
    );
  });
});

describe('a 3-node JetStream cluster whose stream was made with 1 replica', () => {
  let cluster: NatsCluster;
  let stack: StackOnNats;
  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    stack = await startStack({ natsUrl: cluster.url, env: { NATS_STREAM_REPLICAS: '1' } });
  });
  afterAll(async () => {
    await stack?.stop();
    await cluster?.stop();
  });

  test('when booking-service restarts with NATS_STREAM_REPLICAS=3, then the stream and its consumers get 3 replicas and bookings are notified', async () => {
    const one = await cluster.streamPlacement(STREAM);
    expect(one.peers).toHaveLength(1);

    await Promise.all(stack.bookings.map((p) => p.stop('SIGTERM')));
    const replica = await stack.extra('booking-service', { NATS_STREAM_REPLICAS: '3' });
    const names = cluster.nodes.map((n) => n.name).sort();
    const three = await waitForPlacement(
      'the stream to get 3 replicas',
      () => cluster.streamPlacement(STREAM),
      (p) => p.peers.length === 3,
      cluster,
    );
    expect([...three.peers].sort()).toEqual(names);
    for (const durable of CONSUMERS) {
      const consumer = await waitForPlacement(
        `consumer ${durable} to follow the stream`,
        () => cluster.consumerPlacement(STREAM, durable),
        (p) => p.peers.length === 3,
        cluster,
      );
      expect([...consumer.peers].sort()).toEqual(names);
    }

    const eventId = await createEvent(stack, 10);
    const customer = await createUser(stack);
    const answer = await bookAs(replica.url, customer, eventId);
    expect(statusOf(answer)).toBe(201);
    const counts = await waitAllNotified(stack, eventId);
    expect([...counts.entries()]).toEqual([[bookingIdOf(answer), 1]]);
  });

  test('when booking-service starts with more replicas than the cluster has servers, then the change is refused with an error naming NATS_STREAM_REPLICAS and the stream keeps its replicas', async () => {
    // Its own starting point, whichever tests ran before: the stream on all three servers, every one current.
    await cluster.withJsm(async (jsm) => {
      const { config } = await jsm.streams.info(STREAM);
      if (config.num_replicas !== 3) await jsm.streams.update(STREAM, { ...config, num_replicas: 3 });
    });
    const before = await waitForPlacement(
      'the stream to have 3 replicas, every server current',
      () => cluster.streamPlacement(STREAM),
      (p) => p.peers.length === 3 && p.replicas.every((r) => r.current && !r.offline),
      cluster,
    );
    expect([...before.peers].sort()).toEqual(cluster.nodes.map((n) => n.name).sort());
    const replica = await stack.extra('booking-service', { NATS_STREAM_REPLICAS: '5' });
    const refusal = await cluster.waitFor('the refusal in its log', 10_000, async () =>
      replica.output.find((line) => line.includes('NATS_STREAM_REPLICAS=5')),
    );
    expect(JSON.parse(refusal)).toMatchObject({ level: 50 }); // logged as an error
    expect(refusal).toMatch(/cannot update the BOOKINGS stream/);
    expect([...(await cluster.streamPlacement(STREAM)).peers].sort()).toEqual([...before.peers].sort());
    await replica.stop('SIGTERM');
  });
});
