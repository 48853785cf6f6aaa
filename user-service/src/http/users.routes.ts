import { Router } from 'express';
import { z } from 'zod';
import { createUser, getUser, listUsers, type UsersDeps } from '../domain/users';
import { paginationQuery } from '../lib/pagination';
import { parseIdParam, parseInput } from '../lib/validation';

export const createUserBody = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(200)
    .refine((s) => s.trim().length > 0, 'must not be blank'),
  email: z.string().trim().max(254).toLowerCase().pipe(z.email()),
});

export const listQuery = z.object(paginationQuery);

export function usersRouter(deps: UsersDeps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const input = parseInput(createUserBody, req.body);
    res.status(201).json(await createUser(deps, input));
  });

  router.get('/', async (req, res) => {
    const page = parseInput(listQuery, req.query);
    res.json(await listUsers(deps, page));
  });

  router.get('/:id', async (req, res) => {
    res.json(await getUser(deps, parseIdParam(req.params.id, 'User')));
  });

  return router;
}
