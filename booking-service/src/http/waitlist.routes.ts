import { callerOf, requireAuth, type TokenVerifier } from '@ebs/service-kit/auth';
import { paginationQuery, parseIdParam, parseInput, uuid } from '@ebs/service-kit/http';
import { Router } from 'express';
import { z } from 'zod';
import { WAITLIST_STATUSES } from '../data/waitlist.repo';
import { bookingUserFor } from '../domain/booking-access';
import type { Idempotency } from '../domain/idempotency';
import {
  getWaitlistEntry,
  leaveWaitlist,
  listWaitlist,
  placeWaitlistEntry,
  type WaitlistDeps,
} from '../domain/waitlist';
import type { WaitlistEntryView } from '../domain/waitlist-view';
import { idempotencyKeyOf, parseNoInput } from './bookings.routes';

/** userId may be omitted by a customer (the token's user); an admin names the user. */
export const joinWaitlistBody = z.strictObject({
  eventId: uuid,
  quantity: z.number().int().min(1).max(10).default(1),
  userId: uuid.optional(),
});

export const listWaitlistQuery = z.strictObject({
  ...paginationQuery,
  userId: uuid.optional(),
  eventId: uuid.optional(),
  status: z.enum(WAITLIST_STATUSES).optional(),
});

export function waitlistRouter(
  deps: WaitlistDeps & { waitlistIdempotency: Idempotency<WaitlistEntryView>; auth: TokenVerifier },
): Router {
  const router = Router();
  router.use(requireAuth(deps.auth));

  router.post('/', async (req, res) => {
    const input = parseInput(joinWaitlistBody, req.body);
    const key = idempotencyKeyOf(req);
    const userId = bookingUserFor(callerOf(req), input.userId);
    const { result, replayed } = await placeWaitlistEntry(deps, { ...input, userId, requestId: req.id }, key);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.status(201).json(result);
  });

  router.get('/', async (req, res) => {
    res.json(await listWaitlist(deps, parseInput(listWaitlistQuery, req.query), callerOf(req)));
  });

  router.get('/:id', async (req, res) => {
    res.json(await getWaitlistEntry(deps, parseIdParam(req.params.id, 'Waitlist entry'), callerOf(req)));
  });

  router.post('/:id/leave', async (req, res) => {
    parseNoInput(req);
    res.json(await leaveWaitlist(deps, parseIdParam(req.params.id, 'Waitlist entry'), callerOf(req), req.id));
  });

  return router;
}
