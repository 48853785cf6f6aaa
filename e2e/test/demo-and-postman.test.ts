import path from 'node:path';
import newman, { type NewmanRunSummary } from 'newman';
import { call, get, post } from './support/http';
import { createEvent, createUser } from './support/scenario';
import { type Stack, startStack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const waitFor = async (check: () => Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
};

describe('the seed demo flow, by HTTP as a user types it', () => {
  test('when a user signs up, logs in and books a seat the admin put on sale, then the cached read, the booking and the notification all show it', async () => {
    const user = await post(`${stack.users.url}/users`, {
      name: 'Ada Lovelace',
      email: 'Ada@Example.com',
      password: 'correct horse battery staple',
    });
    expect(user.status).toBe(201);
    const userId = (user.body as { id: string }).id;
    expect(user.body).toEqual({
      id: userId,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      createdAt: expect.any(String),
    });

    const login = await post(`${stack.users.url}/auth/token`, {
      email: 'ada@example.com',
      password: 'correct horse battery staple',
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
    const ada = { Authorization: `Bearer ${(login.body as { accessToken: string }).accessToken}` };

    const event = await post(
      `${stack.events.url}/events`,
      { name: 'Jazz Night', venue: 'Blue Hall', startsAt: '2099-06-01T19:30:00Z', totalSeats: 100 },
      stack.adminAuth,
    );
    expect(event.status).toBe(201);
    const eventId = (event.body as { id: string }).id;

    const first = await get(`${stack.events.url}/events/${eventId}`);
    expect(first.body).toMatchObject({ cached: false, availableSeats: 100 });
    expect(first.headers['x-cache']).toBe('MISS');
    const second = await get(`${stack.events.url}/events/${eventId}`);
    expect(second.body).toMatchObject({ cached: true, availableSeats: 100 });
    expect(second.headers['x-cache']).toBe('HIT');

    const booking = await post(`${stack.bookings[0].url}/bookings`, { eventId, quantity: 2 }, ada);
    expect(booking.status).toBe(201);
    expect(booking.body).toMatchObject({ userId, eventId, quantity: 2, status: 'confirmed' });
    const bookingId = (booking.body as { id: string }).id;

    expect(
      await waitFor(async () => {
        const n = await get(`${stack.notifications.url}/notifications`, ada);
        const data = (n.body as { data: Array<{ bookingId: string; type: string }> }).data;
        return data.length === 1 && data[0]?.bookingId === bookingId && data[0]?.type === 'booking.confirmed';
      }, 2_000),
    ).toBe(true);
    // Read your writes: the first GET after the 201 shows the seats taken, still from the cache's details.
    expect((await get(`${stack.events.url}/events/${eventId}`)).body).toMatchObject({
      cached: true,
      availableSeats: 98,
    });
  });
});

describe('one booking followed through the logs', () => {
  test('when a booking request carries X-Request-Id, then notification-service logs that id when it stores the notification', async () => {
    const customer = await createUser(stack);
    const eventId = await createEvent(stack, 5);
    const requestId = `e2e-trace-${Date.now()}`;
    const booking = await call('POST', `${stack.bookings[1].url}/bookings`, {
      json: { eventId },
      headers: { 'x-request-id': requestId, ...customer.auth },
    });
    expect(booking.status).toBe(201);
    const bookingId = (booking.body as { id: string }).id;

    const handled = () =>
      stack.notifications.output
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((l) => l.msg === 'message handled' && l.bookingId === bookingId);
    expect(await waitFor(async () => handled() !== undefined, 5_000)).toBe(true);
    expect(handled()).toMatchObject({ requestId, service: 'notification-service', subject: 'bookings.confirmed' });
  });
});

describe('the Postman collection (newman)', () => {
  // newman's cli reporter (its request list and table, ~900 lines for two runs) is held back and printed only
  // when the run has a failure, so a passing `npm test` stays short.
  const run = async (): Promise<NewmanRunSummary> => {
    const held: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      held.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    }) as typeof process.stdout.write;
    let summary: NewmanRunSummary | undefined;
    try {
      summary = await runNewman();
      return summary;
    } finally {
      process.stdout.write = write;
      if (!summary || summary.run.failures.length > 0) process.stderr.write(held.join(''));
    }
  };
  const runNewman = () =>
    new Promise<NewmanRunSummary>((resolve, reject) => {
      newman.run(
        {
          collection: path.resolve(__dirname, '..', '..', 'postman', 'collection.json'),
          environment: path.resolve(__dirname, '..', '..', 'postman', 'local.postman_environment.json'),
          envVar: [
            { key: 'userUrl', value: stack.users.url },
            { key: 'eventUrl', value: stack.events.url },
            { key: 'bookingUrl', value: stack.bookings[1].url },
            { key: 'notificationUrl', value: stack.notifications.url },
            { key: 'adminEmail', value: stack.admin.email },
            { key: 'adminPassword', value: stack.admin.password },
          ],
          reporters: ['cli'],
        },
        (err, summary) => (err ? reject(err) : resolve(summary)),
      );
    });

  test('when run twice on the same database, then every request and assertion passes both times', async () => {
    for (let i = 0; i < 2; i++) {
      const summary = await run();
      const failures = summary.run.failures.map((f) => `${f.source?.name}: ${f.error.message}`);
      expect(failures).toEqual([]);
      expect(summary.run.stats.assertions.total).toBeGreaterThan(80);
      expect(summary.run.stats.requests.failed).toBe(0);
    }
  });
});
