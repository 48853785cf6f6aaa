import { buildApp } from './app';
import { loadConfig } from './config';
import { ConfigError } from './lib/config-helpers';
import { createPool } from './lib/db';
import { createLogger } from './lib/logger';
import { installShutdown } from './lib/shutdown';

const SERVICE = 'user-service';

function main(): void {
  const config = loadConfig();
  const logger = createLogger(SERVICE, config.logLevel);
  const pool = createPool(config.db);
  const app = buildApp({ pool, logger });
  const server = app.listen(config.port, () => logger.info({ port: config.port }, `${SERVICE} listening`));
  server.on('error', (err) => {
    logger.fatal({ err }, 'server failed to start');
    process.exit(1);
  });
  installShutdown({
    logger,
    server,
    timeoutMs: config.shutdownTimeoutMs,
    steps: [{ name: 'mysql pool', close: () => pool.end() }],
  });
}

try {
  main();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`${SERVICE}: ${err.message}`);
  process.exit(1);
}
