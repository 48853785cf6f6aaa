import { callerOf, requireAuth, requireRole, type TokenVerifier } from '@ebs/service-kit/auth';
import { paginationQuery, parseIdParam, parseInput } from '@ebs/service-kit/http';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { createUser, getUser, listUsers, type UsersDeps } from '../domain/users';

/** Public sign-up. There is no role field: every sign-up is a customer (an unknown field is a 400). */
export const createUserBody = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(200)
    .refine((s) => s.trim().length > 0, 'must not be blank'),
  email: z.string().trim().max(254).toLowerCase().pipe(z.email()),
  password: z.string().min(8).max(200),
});

export const userResponse = z.object({ id: z.uuid(), name: z.string(), email: z.email(), createdAt: z.iso.datetime() });

export const listQuery = z.strictObject(paginationQuery);

export function usersRouter(deps: UsersDeps & { auth: TokenVerifier }): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const input = parseInput(createUserBody, req.body);
    res.status(201).json(await createUser(deps, input));
  });

  router.get('/', requireAuth(deps.auth), requireRole('admin'), async (req, res) => {
    const page = parseInput(listQuery, req.query);
    res.json(await listUsers(deps, page));
  });

  router.get('/:id', requireAuth(deps.auth), async (req: Request<{ id: string }>, res) => {
    res.json(await getUser(deps, callerOf(req), parseIdParam(req.params.id, 'User')));
  });

  return router;
}
