import { randomUUID } from 'node:crypto';
import { assertSelfOrAdmin, type Caller } from '@ebs/service-kit/auth';
import { AppError, notFound } from '@ebs/service-kit/errors';
import { type Page, type Paginated, paginated } from '@ebs/service-kit/http';
import type { User, UsersRepo } from '../data/users.repo';
import { hashPassword } from './passwords';

export type UsersDeps = { users: UsersRepo };

export type UserView = { id: string; name: string; email: string; createdAt: string };

const view = (u: User): UserView => ({ id: u.id, name: u.name, email: u.email, createdAt: u.createdAt.toISOString() });

/**
 * Public sign-up: always a customer. The email arrives lower-cased; a second user with it is 409 EMAIL_TAKEN.
 * The password is kept only as its argon2id hash and never leaves this function.
 */
export async function createUser(
  deps: UsersDeps,
  input: { name: string; email: string; password: string },
): Promise<UserView> {
  const user: User = { id: randomUUID(), name: input.name, email: input.email, createdAt: new Date() };
  const passwordHash = await hashPassword(input.password);
  const outcome = await deps.users.insert({ ...user, passwordHash, role: 'customer' });
  if (outcome === 'duplicate') throw new AppError('EMAIL_TAKEN', `A user with email ${input.email} already exists`);
  return view(user);
}

/** A user as seen by themselves or an admin; anyone else is 403. */
export async function getUser(deps: UsersDeps, caller: Caller, id: string): Promise<UserView> {
  assertSelfOrAdmin(caller, id, 'user');
  const user = await deps.users.findById(id);
  if (!user) throw notFound('User');
  return view(user);
}

export async function listUsers(deps: UsersDeps, page: Page): Promise<Paginated<UserView>> {
  const { users, total } = await deps.users.list(page);
  return paginated(users.map(view), page, total);
}
