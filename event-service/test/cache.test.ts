import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminAuth, oneAppPerFile } from '@ebs/service-kit/testing';
import { jest } from '@jest/globals';
import request from 'supertest';
import { createEventsRepo } from '../src/data/events.repo';
import { newEventBody } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

const t = oneAppPerFile(createTestApp);

const createEvent = async (app: TestApp['app'], overrides = {}) =>
  (await request(app).post('/events').set(adminAuth()).send(newEventBody(overrides)).expect(201)).body;

describe('GET /events/:id read cache', () => {
  test('when read twice, then the first is a MISS from MySQL and the second a HIT from Redis', async () => {
    const created = await createEvent(t.app);
    const first = await request(t.app).get(`/events/${created.id}`);
    expect(first.status).toBe(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.body).toEqual({ ...created, cached: false });

    const second = await request(t.app).get(`/events/${created.id}`);
    expect(second.status).toBe(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual({ ...created, cached: true });
  });

  test('when an entry is stored, then it lives CACHE_TTL seconds', async () => {
    const created = await createEvent(t.app);
    await request(t.app).get(`/events/${created.id}`).expect(200);
    const ttl = await t.redis.ttl(`event:${created.id}`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  test('when an event is patched, then the next GET is a MISS with the new values, then a HIT with them', async () => {
    const created = await createEvent(t.app, { totalSeats: 10 });
    await request(t.app).get(`/events/${created.id}`).expect(200);
    await request(t.app).get(`/events/${created.id}`).expect(200); // now cached

    await request(t.app)
      .patch(`/events/${created.id}`)
      .set(adminAuth())
      .send({ name: 'New name', totalSeats: 15 })
      .expect(200);

    const after = await request(t.app).get(`/events/${created.id}`);
    expect(after.body).toMatchObject({ name: 'New name', totalSeats: 15, availableSeats: 15, cached: false });
    const again = await request(t.app).get(`/events/${created.id}`);
    expect(again.body).toMatchObject({ name: 'New name', totalSeats: 15, cached: true });
  });

  test('when a miss read the old row before a PATCH committed, then that old row is not cached after the PATCH', async () => {
    // A repository whose findById holds its result until released: the read happens, then the PATCH.
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let holdNext = false;
    const slow = createTestApp(
      {},
      {
        events: (pool) => {
          const repo = createEventsRepo(pool);
          const findById = repo.findById;
          repo.findById = async (id) => {
            const row = await findById(id);
            if (holdNext) {
              holdNext = false;
              await gate;
            }
            return row;
          };
          return repo;
        },
      },
    );
    try {
      const created = await createEvent(slow.app, { name: 'Old name' });
      holdNext = true;
      const staleRead = request(slow.app)
        .get(`/events/${created.id}`)
        .then((r) => r);
      await new Promise((r) => setTimeout(r, 100)); // the GET has read the old row and waits

      await request(slow.app).patch(`/events/${created.id}`).set(adminAuth()).send({ name: 'New name' }).expect(200);
      release();
      expect((await staleRead).body.name).toBe('Old name'); // it started before the PATCH's answer

      const next = await request(slow.app).get(`/events/${created.id}`);
      expect(next.body).toMatchObject({ name: 'New name', cached: false });
      const cachedNext = await request(slow.app).get(`/events/${created.id}`);
      expect(cachedNext.body).toMatchObject({ name: 'New name', cached: true });
    } finally {
      release();
      await slow.close();
    }
  });

  test('when GET2 is sent after a PATCH answered while GET1 still loads the old row, then GET2 answers the new values', async () => {
    // The reported sequence: GET1 misses and reads the old row (held here); the PATCH commits and answers 200;
    // GET2, sent after that 200, must not be handed GET1's load.
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let holdNext = false;
    let held: () => void = () => {};
    const readHeld = new Promise<void>((r) => {
      held = r;
    });
    const slow = createTestApp(
      {},
      {
        events: (pool) => {
          const repo = createEventsRepo(pool);
          const findById = repo.findById;
          repo.findById = async (id) => {
            const row = await findById(id);
            if (holdNext) {
              holdNext = false;
              held();
              await gate;
            }
            return row;
          };
          return repo;
        },
      },
    );
    try {
      const created = await createEvent(slow.app, { name: 'Old', totalSeats: 10 });
      holdNext = true;
      const get1 = request(slow.app)
        .get(`/events/${created.id}`)
        .then((r) => r);
      await readHeld; // GET1 has read the old row and waits

      await request(slow.app)
        .patch(`/events/${created.id}`)
        .set(adminAuth())
        .send({ name: 'New', totalSeats: 20 })
        .expect(200);
      const get2 = request(slow.app)
        .get(`/events/${created.id}`)
        .then((r) => r);
      // GET1 is let go once GET2 has answered, or after 2 s should GET2 (wrongly) be waiting for GET1's load.
      const letGo = setTimeout(release, 2_000);
      const second = await get2;
      clearTimeout(letGo);
      release();
      expect(second.body).toMatchObject({ name: 'New', totalSeats: 20, availableSeats: 20, cached: false });
      expect((await get1).body).toMatchObject({ name: 'Old', totalSeats: 10 }); // it started before the PATCH
      expect((await request(slow.app).get(`/events/${created.id}`)).body).toMatchObject({
        name: 'New',
        totalSeats: 20,
      });
    } finally {
      release();
      await slow.close();
    }
  });

  test('when another replica patches an event this one has cached, then this one answers the new values at once', async () => {
    const replica = createTestApp();
    try {
      const created = await createEvent(t.app, { name: 'Before', totalSeats: 10 });
      await request(t.app).get(`/events/${created.id}`).expect(200);
      expect((await request(t.app).get(`/events/${created.id}`)).body.cached).toBe(true);

      await request(replica.app)
        .patch(`/events/${created.id}`)
        .set(adminAuth())
        .send({ venue: 'Elsewhere' })
        .expect(200);
      const after = await request(t.app).get(`/events/${created.id}`);
      expect(after.body).toMatchObject({ venue: 'Elsewhere', name: 'Before', cached: false });

      // A capacity change moves only the state read from MySQL: the details stay a hit, the seats are new.
      await request(replica.app).patch(`/events/${created.id}`).set(adminAuth()).send({ totalSeats: 12 }).expect(200);
      expect((await request(t.app).get(`/events/${created.id}`)).body).toMatchObject({
        venue: 'Elsewhere',
        totalSeats: 12,
        availableSeats: 12,
        cached: true,
      });
    } finally {
      await replica.close();
    }
  });

  test('when Redis holds a stale entry no invalidation removed, then it is never served', async () => {
    const created = await createEvent(t.app, { name: 'Current' });
    await request(t.app).get(`/events/${created.id}`).expect(200);
    // What a failed invalidation or a slow reader's late write would leave: an older copy of the details.
    const entry = JSON.parse((await t.redis.get(`event:${created.id}`)) as string);
    entry.event.name = 'Stale';
    entry.detailsHash = '0'.repeat(32);
    await t.redis.set(`event:${created.id}`, JSON.stringify(entry), 'EX', 60);
    const res = await request(t.app).get(`/events/${created.id}`);
    expect(res.body).toMatchObject({ name: 'Current', cached: false });
    expect((await request(t.app).get(`/events/${created.id}`)).body).toMatchObject({ name: 'Current', cached: true });
  });

  test('when 50 GETs for a cold event arrive at once, then MySQL is read once and all answer the event', async () => {
    let findById: jest.SpiedFunction<ReturnType<typeof createEventsRepo>['findById']> | undefined;
    const spied = createTestApp(
      {},
      {
        events: (pool) => {
          const repo = createEventsRepo(pool);
          const real = repo.findById.bind(repo);
          // Slow the read so every request is still waiting when the first one's read returns.
          findById = jest.spyOn(repo, 'findById').mockImplementation(async (id) => {
            await new Promise((r) => setTimeout(r, 300));
            return real(id);
          });
          return repo;
        },
      },
    );
    const server: Server = spied.app.listen(0);
    try {
      const created = await createEvent(spied.app);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events/${created.id}`;
      const responses = await Promise.all(Array.from({ length: 50 }, () => fetch(url)));
      const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ id: string }>;
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect(bodies.every((b) => b.id === created.id)).toBe(true);
      expect(findById).toHaveBeenCalledTimes(1);
    } finally {
      server.close();
      await spied.close();
    }
  });
});
