import { parseInput } from '@ebs/service-kit/http';
import { Router } from 'express';
import { z } from 'zod';
import { type IssueTokenDeps, issueToken } from '../domain/issue-token';
import { clientAddressKey } from './client-address';

export const tokenRequestBody = z.strictObject({
  email: z.string().trim().max(254).toLowerCase().pipe(z.email()),
  password: z.string().min(1).max(200),
});

export const tokenResponse = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int(),
});

/** POST /auth/token (log in) and GET /.well-known/jwks.json (the public keys every service verifies with). */
export function authRouter(deps: IssueTokenDeps): Router {
  const router = Router();

  router.post('/auth/token', async (req, res) => {
    const input = parseInput(tokenRequestBody, req.body);
    res.set('Cache-Control', 'no-store');
    // req.ip follows the app's `trust proxy` (TRUST_PROXY): the socket's peer unless proxies are trusted.
    res.json(await issueToken(deps, input, clientAddressKey(req.ip)));
  });

  router.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json(deps.signingKey.jwks);
  });

  return router;
}
