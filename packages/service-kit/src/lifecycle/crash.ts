import type { Logger } from '../observability/logger';

let installed = false;

/**
 * A throw nobody catches or a promise rejection nobody handles leaves the process in an unknown state: it is
 * logged at fatal (with the request id where the logger carries one) and the process exits 1, so the
 * orchestrator starts a clean one. serve() installs this; installing it twice changes nothing.
 */
export function installCrashHandlers(logger: Logger): void {
  if (installed) return;
  installed = true;
  const crash = (what: string) => (err: unknown) => {
    logger.fatal({ err }, what);
    logger.flush?.();
    process.exit(1);
  };
  process.on('uncaughtException', crash('uncaught exception: exiting'));
  process.on('unhandledRejection', crash('unhandled promise rejection: exiting'));
}
