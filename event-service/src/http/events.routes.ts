import { requireAuth, requireRole, type TokenVerifier } from '@ebs/service-kit/auth';
import { paginationQuery, parseIdParam, parseInput } from '@ebs/service-kit/http';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { createEvent, listEvents } from '../domain/events';
import type { EventReader } from '../domain/get-event';
import { type UpdateEventDeps, updateEvent } from '../domain/update-event';

const name = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => s.trim().length > 0, 'must not be blank');
const description = z.string().max(2000).nullable();
const venue = z.string().max(200).nullable();
// An ISO 8601 date-time with Z or an offset, within what DATETIME stores; kept as the instant it names.
const startsAt = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .refine((d) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999, {
    message: 'must be a real date-time between 1970 and 9999',
  });
// docs/api.md: an event is created or moved only to a time still ahead.
const futureStartsAt = startsAt.refine((d) => d.getTime() > Date.now(), { message: 'must lie in the future' });
const totalSeats = z.number().int().min(1).max(1_000_000);

export const createBody = z.strictObject({
  name,
  description: description.optional(),
  venue: venue.optional(),
  startsAt: futureStartsAt,
  totalSeats,
});

export const patchBody = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    venue: venue.optional(),
    startsAt: futureStartsAt.optional(),
    totalSeats: totalSeats.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), {
    message: 'give at least one of name, description, venue, startsAt, totalSeats',
    // Only an otherwise valid body is "empty"; unknown fields are reported on their own.
    when: (payload) => payload.issues.length === 0,
  });

export const listQuery = z.strictObject(paginationQuery);

export type EventsRouteDeps = UpdateEventDeps & { readEvent: EventReader; auth: TokenVerifier };

export function eventsRouter(deps: EventsRouteDeps): Router {
  const router = Router();

  const adminOnly = [requireAuth(deps.auth), requireRole('admin')];

  router.post('/', ...adminOnly, async (req, res) => {
    const input = parseInput(createBody, req.body);
    res.status(201).json(await createEvent(deps, input));
  });

  router.get('/', async (req, res) => {
    res.json(await listEvents(deps, parseInput(listQuery, req.query)));
  });

  router.get('/:id', async (req, res) => {
    const { event, cached } = await deps.readEvent(parseIdParam(req.params.id, 'Event'));
    res.setHeader('X-Cache', cached ? 'HIT' : 'MISS');
    res.json({ ...event, cached });
  });

  router.patch('/:id', ...adminOnly, async (req: Request<{ id: string }>, res) => {
    const id = parseIdParam(req.params.id, 'Event');
    res.json(await updateEvent(deps, id, parseInput(patchBody, req.body)));
  });

  return router;
}
