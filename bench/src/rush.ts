import type { Stack } from '../../e2e/test/support/stack';
import { countBy, createClient, percentile } from './client';

/** What a rush measured: 201s per second over the whole rush and the latency of each 201. */
export type RushResult = {
  bookingsPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  statuses: Record<string, number>;
  ms: number;
};

/** A signed-up customer and the Authorization header of their token: bookings are made as the customer. */
export type BenchUser = { id: string; auth: Record<string, string> };

export async function createUsers(stack: Stack, n: number): Promise<BenchUser[]> {
  const client = createClient(16);
  const users: BenchUser[] = [];
  for (let i = 0; i < n; i++) {
    const credentials = { email: `bench-${i}-${Date.now()}@example.com`, password: 'bench password' };
    const r = await client.request('POST', `${stack.users.url}/users`, { name: `Bench ${i}`, ...credentials });
    const login = await client.request('POST', `${stack.users.url}/auth/token`, credentials);
    const { accessToken } = JSON.parse(login.body) as { accessToken: string };
    users.push({ id: JSON.parse(r.body).id, auth: { Authorization: `Bearer ${accessToken}` } });
  }
  client.close();
  return users;
}

export async function createEvents(stack: Stack, count: number, seats: number): Promise<string[]> {
  const client = createClient(4);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await client.request(
      'POST',
      `${stack.events.url}/events`,
      { name: `Rush ${i}`, startsAt: '2099-06-01T19:30:00Z', totalSeats: seats },
      stack.adminAuth,
    );
    ids.push(JSON.parse(r.body).id);
  }
  client.close();
  return ids;
}

export type Attempt = { booked: boolean; soldOut: boolean; ms: number; outcome: string | number };

/** `conc` workers book one seat at a time, spreading over `events`, until every event is sold out. */
export async function rushWith(
  conc: number,
  events: string[],
  bookOne: (worker: number, i: number, eventId: string) => Promise<Attempt>,
): Promise<RushResult> {
  const latencies: number[] = [];
  const outcomes: Array<string | number> = [];
  const soldOut = new Set<string>();
  const started = Date.now();
  await Promise.all(
    Array.from({ length: conc }, async (_, w) => {
      for (let i = 0; soldOut.size < events.length; i++) {
        const eventId = events[(w + i) % events.length] as string;
        if (soldOut.has(eventId)) continue;
        const a = await bookOne(w, i, eventId);
        outcomes.push(a.outcome);
        if (a.booked) latencies.push(a.ms);
        else if (a.soldOut) soldOut.add(eventId);
      }
    }),
  );
  const ms = Date.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    bookingsPerSec: (latencies.length / ms) * 1000,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    statuses: countBy(outcomes),
    ms,
  };
}

/** A booking made in a rush: its id, its owner, when its 201 arrived (this process's clock) and its body. */
export type Made = { id: string; user: BenchUser; at: number; body: Record<string, unknown> };

/**
 * The rush through the service, alternating between the two booking replicas, with `extra` added to each
 * POST /bookings body (e.g. `{ hold: true }`); also gives each booking made, in the order the 201s arrived.
 */
export async function serviceRushMaking(
  stack: Stack,
  users: BenchUser[],
  events: string[],
  conc: number,
  extra: Record<string, unknown> = {},
): Promise<RushResult & { made: Made[] }> {
  const client = createClient(conc);
  const made: Made[] = [];
  try {
    const result = await rushWith(conc, events, async (w, i, eventId) => {
      const replica = stack.bookings[(w + i) % 2];
      const user = users[w % users.length] as BenchUser;
      const r = await client.request('POST', `${replica?.url}/bookings`, { eventId, ...extra }, user.auth);
      // A refusal other than sold out (409) or busy (429, 503) would be refused again forever: stop here.
      if (r.status >= 400 && r.status < 500 && r.status !== 409 && r.status !== 429) {
        throw new Error(`POST /bookings ${JSON.stringify(extra)} answered ${r.status}: ${r.body}`);
      }
      if (r.status === 201) {
        const body = JSON.parse(r.body) as Record<string, unknown>;
        made.push({ id: String(body.id), user, at: Date.now(), body });
      }
      return { booked: r.status === 201, soldOut: r.status === 409, ms: r.ms, outcome: r.status };
    });
    return { ...result, made };
  } finally {
    client.close();
  }
}
