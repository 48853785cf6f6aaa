import { Router } from 'express';
import { z } from 'zod';
import type { NotificationsRepo } from '../data/notifications.repo';
import { listNotifications } from '../domain/list-notifications';
import { callerOf, requireAuth, type TokenVerifier } from '../lib/auth';
import { paginationQuery } from '../lib/pagination';
import { isUuid, parseInput } from '../lib/validation';

const uuid = z
  .string()
  .refine(isUuid, 'must be a UUID')
  .transform((s) => s.toLowerCase())
  .meta({ format: 'uuid' });

export const listNotificationsQuery = z.object({
  ...paginationQuery,
  userId: uuid.optional(),
  bookingId: uuid.optional(),
});

export function notificationsRouter(deps: { notifications: NotificationsRepo; auth: TokenVerifier }): Router {
  const router = Router();
  router.get('/', requireAuth(deps.auth), async (req, res) => {
    res.json(await listNotifications(deps, parseInput(listNotificationsQuery, req.query), callerOf(req)));
  });
  return router;
}
