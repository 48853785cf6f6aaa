import {
  CHECK_INTER_MS,
  HAPROXY_MISSING,
  type Haproxy,
  type HaproxyMode,
  haproxyBinary,
  startHaproxy,
} from './support/haproxy';
import { type LoadSummary, startKeepAliveLoad } from './support/keepalive-load';
import { bookingRows, type Customer, createEvent, createUser, waitAllNotified } from './support/scenario';
import { type Proc, type Stack, startStack } from './support/stack';

// Issue 26 part 3: rolling restarts with zero failed requests behind a real haproxy (health checks on /ready),
// under steady keep-alive load, each booking replica in turn SIGTERMed (the production drain: SHUTDOWN_DRAIN_MS
// at the service's default, 5 s) and started again. In both modes of balancing: per request (an ingress) and per
// connection (kube-proxy behind a ClusterIP Service, where keep-alive connections stay on a draining replica).

/** The services' default SHUTDOWN_DRAIN_MS: the replicas here run with it. */
const DRAIN_MS = 5_000;
/** Concurrent client loops through one keep-alive agent (one socket each at most). */
const LOOPS = 12;

const inCI = process.env.CI === 'true';
const haveHaproxy = haproxyBinary() !== undefined;
if (!haveHaproxy && !inCI) console.warn(`rolling-restart tests skipped: ${HAPROXY_MISSING}`);
const suite = haveHaproxy || inCI ? describe : describe.skip;

suite('rolling restarts behind haproxy', () => {
  let stack: Stack;
  let replicas: Proc[];
  let customers: Customer[];
  /** What a test started and must not outlive it, even when it times out: its load, its haproxy. */
  const running: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    if (!haveHaproxy) throw new Error(HAPROXY_MISSING); // CI=true: missing haproxy fails, never skips
    stack = await startStack();
    // Two replicas with the production drain (the stack's own run with a 200 ms drain, to restart quickly).
    replicas = [
      await stack.extra('booking-service', { SHUTDOWN_DRAIN_MS: undefined }),
      await stack.extra('booking-service', { SHUTDOWN_DRAIN_MS: undefined }),
    ];
    customers = await Promise.all(Array.from({ length: LOOPS }, () => createUser(stack)));
  });
  afterAll(async () => {
    await Promise.all(running.map((stop) => stop()));
    await stack?.stop();
  });

  const serverName = (i: number) => `booking-${i}`;

  /** The lines at warn or above (pino levels 40+) the replicas logged from `from` (an index per replica) on. */
  const warnings = (from: number[]) =>
    replicas.flatMap((r, i) => r.output.slice(from[i]).filter((line) => /"level":[4-6]\d\b/.test(line)));

  /**
   * Resolves once the replica carries load through haproxy (polled on the stats socket, bounded): in http mode it
   * answers requests, in tcp mode client connections are open on it. Resolves with its connections then.
   */
  async function carriesLoad(proxy: Haproxy, name: string): Promise<number> {
    const deadline = Date.now() + 10_000;
    const answered = Number((await proxy.server(name)).hrsp_2xx || 0);
    for (;;) {
      const row = await proxy.server(name);
      if (proxy.mode === 'tcp' ? Number(row.scur) > 0 : Number(row.hrsp_2xx) > answered) return Number(row.scur);
      if (Date.now() > deadline) throw new Error(`${name} got no traffic through haproxy within 10 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function rollingRestart(mode: HaproxyMode): Promise<LoadSummary> {
    const eventId = await createEvent(stack, 1_000_000); // never sells out
    const proxy = await startHaproxy(
      mode,
      replicas.map((r, i) => ({ name: serverName(i), port: r.port })),
    );
    running.push(proxy.stop);
    const logFrom = replicas.map((r) => r.output.length);
    try {
      for (const [i] of replicas.entries()) await proxy.waitFor(serverName(i), 'UP');
      const load = startKeepAliveLoad({
        baseUrl: proxy.url,
        loops: LOOPS,
        request: (loop) => ({
          path: '/bookings',
          json: { eventId, quantity: 1 },
          headers: (customers[loop] as Customer).auth,
        }),
      });
      running.push(load.stop);
      const downAfterMs: number[] = [];
      const connectionsAtSigterm: number[] = [];
      let summary: LoadSummary;
      try {
        await load.answered(500); // steady state through both replicas before the first restart
        for (const [i, replica] of replicas.entries()) {
          // Never a restart of an idle replica: it is serving (http) or holding connections (tcp) right now.
          connectionsAtSigterm.push(await carriesLoad(proxy, serverName(i)));
          const sigterm = Date.now();
          const exitCode = replica.stop('SIGTERM');
          // /ready 503s from the SIGTERM on: haproxy must take the replica out while it still serves (the drain).
          await proxy.waitFor(serverName(i), 'DOWN', DRAIN_MS);
          downAfterMs.push(Date.now() - sigterm);
          expect(await exitCode).toBe(0);
          await stack.restart(replica); // resolves once its /ready answers 200
          // Back in rotation after `rise` good checks: bounded by the check interval, not a guess.
          await proxy.waitFor(serverName(i), 'UP', 4 * CHECK_INTER_MS + 2_000);
          await load.answered(200);
        }
      } finally {
        summary = await load.stop();
      }
      const backend = (await proxy.stats()).get('bookings/BACKEND');
      const n = (s: number) => summary.statuses.get(s) ?? 0;
      console.log(
        `rolling restart, haproxy ${mode} mode: ${summary.requests} requests, ${n(201)} x 201, ${n(409)} x 409, ` +
          `${summary.errors.length} connection errors, ${(summary.durationMs / 1000).toFixed(1)} s; ` +
          `replica out of rotation ${downAfterMs.join(' and ')} ms after its SIGTERM, with ` +
          `${connectionsAtSigterm.join(' and ')} ${mode === 'tcp' ? 'connections' : 'requests'} on it then; haproxy retries ` +
          `${backend?.wretr}, redispatches ${backend?.wredis}, 5xx ${backend?.hrsp_5xx || '-'}`,
      );
      if (summary.errors.length > 0) {
        console.log(
          `${mode} mode, requests without an answer:\n${summary.errors
            .map((e) => `  +${e.atMs} ms ${e.code}${e.reusedSocket ? ' (reused keep-alive socket)' : ''}`)
            .join('\n')}\nhaproxy:\n${proxy.output.join('\n')}`,
        );
      }

      // Zero answers other than 201/409 (no 5xx), zero requests without an answer.
      expect([...summary.statuses.keys()].filter((s) => s !== 201 && s !== 409)).toEqual([]);
      expect(summary.unexpected).toEqual([]);
      expect(summary.errors.map((e) => e.code)).toEqual([]);
      expect(n(201)).toBeGreaterThan(0);
      // Not even haproxy had to try again: it never sent a request to a replica that no longer took connections
      // (a retry would hide that from the clients; the drain alone must do it).
      expect([backend?.wretr, backend?.wredis]).toEqual(['0', '0']);
      // Every 201 is stored exactly once, and nothing was booked that was not answered 201.
      const rows = await bookingRows(stack, eventId);
      expect(new Set(summary.created).size).toBe(summary.created.length);
      expect(rows).toHaveLength(summary.created.length);
      const rowIds = new Set(rows.map((r) => r.id));
      expect(summary.created.filter((id) => !rowIds.has(id))).toEqual([]);
      // Every booking notified exactly once.
      const counts = await waitAllNotified(stack, eventId, 45_000);
      expect(counts.size).toBe(rows.length);
      expect([...counts.entries()].filter(([, c]) => c !== 1)).toEqual([]);
      // A drain is routine: the /ready 503s of haproxy's checks while draining are logged at info, and nothing
      // the replicas log through the restarts is at warn or above.
      expect(warnings(logFrom)).toEqual([]);
      return summary;
    } finally {
      await proxy.stop();
    }
  }

  test('when each booking replica in turn is SIGTERMed and started again behind an HTTP-mode haproxy (requests balanced), then every request is answered 201 or 409 and every 201 is booked and notified once', async () => {
    await rollingRestart('http');
  });

  test('when each booking replica in turn is SIGTERMed and started again behind a TCP-mode haproxy (connections balanced, like kube-proxy), then every request is answered 201 or 409 and every 201 is booked and notified once', async () => {
    await rollingRestart('tcp');
  });
});
