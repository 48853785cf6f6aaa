import { privateKeySchema, tokenClaimsEnvSchema } from '@ebs/service-kit/auth';
import { baseEnvSchema, environmentWithDotEnv, parseEnv, serviceConfigFrom } from '@ebs/service-kit/config';
import { z } from 'zod';

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
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
  };
}

export type Config = ReturnType<typeof loadConfig>;
