import { callerOf, requireAuth, type TokenVerifier } from '@ebs/service-kit/auth';
import { paginationQuery, parseInput, uuid } from '@ebs/service-kit/http';
import { Router } from 'express';
import { z } from 'zod';
import type { NotificationsRepo } from '../data/notifications.repo';
import { listNotifications } from '../domain/list-notifications';

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
