import { Router } from 'express';
import { z } from 'zod';
import type { NotificationsRepo } from '../data/notifications.repo';
import { listNotifications } from '../domain/list-notifications';
import { paginationQuery } from '../lib/pagination';
import { isUuid, parseInput } from '../lib/validation';

const uuid = z
  .string()
  .refine(isUuid, 'must be a UUID')
  .transform((s) => s.toLowerCase())
  .meta({ format: 'uuid' });

export const listQuery = z.object({ ...paginationQuery, userId: uuid.optional(), bookingId: uuid.optional() });

export function notificationsRouter(deps: { notifications: NotificationsRepo }): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.json(await listNotifications(deps, parseInput(listQuery, req.query)));
  });
  return router;
}
