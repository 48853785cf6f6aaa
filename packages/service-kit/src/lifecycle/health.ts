import { type Express, Router } from 'express';

export type DependencyCheck = {
  /** Key in the `checks` object, e.g. "mysql". */
  name: string;
  /** Resolves when the dependency answers; rejects (or times out) when it does not. */
  check: () => Promise<unknown>;
  /** Only required dependencies make the service unready (docs/api.md: MySQL alone). */
  required: boolean;
};

const CHECK_TIMEOUT_MS = 1_000;
const DRAINING = 'draining';

/** From now on /ready answers 503 (shutdown has begun), while every other route is still served. */
export function markDraining(app: Express): void {
  app.locals[DRAINING] = true;
}

/** Whether shutdown has begun (/ready answers 503 by design, not because a dependency is down). */
export function isDraining(app: Pick<Express, 'locals'>): boolean {
  return app.locals[DRAINING] === true;
}

/** GET /health: liveness, never touches dependencies. GET /ready: every dependency checked at once. */
export function healthRouter(dependencies: DependencyCheck[]): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (req, res) => {
    const results = await Promise.all(
      dependencies.map((d) =>
        withTimeout(d.check()).then(
          () => true,
          () => false,
        ),
      ),
    );
    const checks: Record<string, 'up' | 'down'> = {};
    let ready = !isDraining(req.app);
    dependencies.forEach((d, i) => {
      checks[d.name] = results[i] ? 'up' : 'down';
      if (d.required && !results[i]) ready = false;
    });
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('check timed out')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
