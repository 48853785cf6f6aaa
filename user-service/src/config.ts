import { isIP } from 'node:net';
import { privateKeySchema, tokenClaimsEnvSchema } from '@ebs/service-kit/auth';
import { baseEnvSchema, environmentWithDotEnv, parseEnv, serviceConfigFrom } from '@ebs/service-kit/config';
import { z } from 'zod';

const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** One TRUST_PROXY entry: a named range, an IP address, or an address/prefix-length subnet. */
function isProxyRange(entry: string): boolean {
  if (NAMED_RANGES.includes(entry)) return true;
  const [address = '', prefix, ...more] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || more.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Express's `trust proxy`: whose X-Forwarded-For the client address (req.ip, which the login throttle counts
 * under) is taken from. Off by default: the socket's peer is the client, and X-Forwarded-For is ignored. A
 * number n: n proxies stand in front of the service (the address the n-th one from here saw). A list: the
 * addresses or subnets of the proxies (`loopback`, `linklocal`, `uniquelocal`, `10.0.0.0/8`, ...). `true`
 * (trust every hop) is refused: any client could then choose its address by sending X-Forwarded-For.
 */
const trustProxySchema = z
  .string()
  .trim()
  .default('false')
  .transform((v, ctx): false | number | string[] => {
    if (['false', 'off', 'no', '0'].includes(v.toLowerCase())) return false;
    if (/^\d+$/.test(v) && Number(v) <= 10) return Number(v);
    const entries = v.split(',').map((e) => e.trim());
    if (v.toLowerCase() !== 'true' && entries.every(isProxyRange)) return entries;
    ctx.addIssue({
      code: 'custom',
      message:
        'false, a number of proxies (1-10), or a comma-separated list of proxy addresses/subnets ' +
        '(loopback, linklocal, uniquelocal, 10.0.0.0/8, ...); true is refused (any client could choose its address)',
    });
    return z.NEVER;
  });

const schema = baseEnvSchema
  .extend({
    ...tokenClaimsEnvSchema,
    /** The token signing key (PKCS#8 PEM, Ed25519 or P-256); the public half is served as the JWKS. */
    JWT_PRIVATE_KEY: z
      .string({ error: 'required: a PKCS#8 PEM private key (see .env.example)' })
      .pipe(privateKeySchema),
    /** Lifetime of an access token. */
    JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),
    /** The first admin, created at start when absent. Give both or neither. */
    ADMIN_EMAIL: z.string().trim().max(254).toLowerCase().pipe(z.email()).optional(),
    ADMIN_PASSWORD: z.string().min(8).max(200).optional(),
    TRUST_PROXY: trustProxySchema,
  })
  .refine((e) => (e.ADMIN_EMAIL === undefined) === (e.ADMIN_PASSWORD === undefined), {
    message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together: set both or neither',
    path: ['ADMIN_PASSWORD'],
  });

/** The only reader of the environment. Throws a ConfigError naming each invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = environmentWithDotEnv()) {
  const e = parseEnv(schema, env);
  return {
    ...serviceConfigFrom(e),
    auth: {
      privateKey: e.JWT_PRIVATE_KEY,
      ttlSeconds: e.JWT_TTL_SECONDS,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
    },
    trustProxy: e.TRUST_PROXY,
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
  };
}

export type Config = ReturnType<typeof loadConfig>;
