import { buildApp } from './app';
import { loadConfig } from './config';
import { createPool } from './lib/db';
import { createLogger } from './lib/logger';
import { runService, serve } from './lib/serve';

const SERVICE = 'user-service';

function main(): void {
  const config = loadConfig();
  const logger = createLogger(SERVICE, config.logLevel, config.logPretty);
  const pool = createPool(config.db);
  const app = buildApp({ pool, logger });
  serve({
    app,
    port: config.port,
    service: SERVICE,
    logger,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    steps: [{ name: 'mysql pool', close: () => pool.end() }],
  });
}

runService(SERVICE, main);
