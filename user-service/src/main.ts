import { createPool } from '@ebs/service-kit/db';
import { runService, serve } from '@ebs/service-kit/lifecycle';
import { createLogger, type Logger } from '@ebs/service-kit/observability';
import { buildApp } from './app';
import { type Config, loadConfig } from './config';
import { createLoginFailuresRepo } from './data/login-failures.repo';
import { createUsersRepo } from './data/users.repo';
import { ensureAdmin } from './domain/admin-bootstrap';
import { createLoginThrottlePurger } from './domain/login-throttle';
import { createSigningKey } from './domain/signing-key';

const SERVICE = 'user-service';

function main(): void {
  const config = loadConfig();
  const logger = createLogger(SERVICE, config.logLevel, config.logPretty);
  const pool = createPool(config.db);
  const signingKey = createSigningKey(config.auth.privateKey, config.auth);
  logger.info({ alg: signingKey.alg, kid: signingKey.kid }, 'token signing key loaded');
  const app = buildApp({
    pool,
    logger,
    signingKey,
    tokenTtlSeconds: config.auth.ttlSeconds,
    trustProxy: config.trustProxy,
  });
  // Every replica purges old login throttle rows on its own schedule (batches; never two passes at once).
  const purger = createLoginThrottlePurger({ loginFailures: createLoginFailuresRepo(pool), logger });
  purger.start();
  // What closes on SIGTERM, in order, once the drain is over.
  const closing = [
    { name: 'login throttle purge', close: () => purger.stop() },
    { name: 'mysql pool', close: () => pool.end() },
  ];
  serve({ app, service: SERVICE, logger, config, steps: closing });
  if (config.admin) bootstrapAdmin(createUsersRepo(pool), logger, config.admin);
}

/** Creates the admin when absent; while MySQL is not reachable yet it tries again every few seconds. */
function bootstrapAdmin(
  users: ReturnType<typeof createUsersRepo>,
  logger: Logger,
  admin: NonNullable<Config['admin']>,
): void {
  const attempt = (): void => {
    ensureAdmin({ users, logger }, admin).catch((err: unknown) => {
      logger.warn({ err }, 'admin bootstrap failed; retrying in 3 s');
      setTimeout(attempt, 3_000).unref();
    });
  };
  attempt();
}

runService(SERVICE, main);
