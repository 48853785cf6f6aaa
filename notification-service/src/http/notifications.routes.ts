import { Router } from 'express';
import { z } from 'zod';
import type { NotificationsRepo } from '../data/notifications.repo';
import { listNotifications } from '../domain/list-notifications';
import { callerOf, requireAuth, type TokenVerifier } from '../lib/auth';
import { paginationQuery } from '../lib/pagination';
import { parseInput, uuid } from '../lib/validation';

export const listNotificationsQuery = z.strictObject({
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
