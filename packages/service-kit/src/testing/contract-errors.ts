import type { Response } from 'supertest';

/** 401 in the contract's shape, with `WWW-Authenticate: Bearer`. */
export function expectUnauthenticated(res: Response): void {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
  expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
}

/** 403 in the contract's shape. */
export function expectForbidden(res: Response): void {
  expect(res.status).toBe(403);
  expect(res.body).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
}
