import { rmSync } from 'node:fs';
import { findBinary, startOwnNats } from './own-servers';
import { canConnect, dockerAnswers } from './probe';
import { infraMode, setting, settingOrEmpty } from './settings';

// How every package's tests find MySQL, Redis and NATS (docs/architecture.md), the one copy of that rule:
// 1. TEST_INFRA=containers: testcontainers, whatever else is there.
// 2. Configured in the environment or the root .env (MYSQL_HOST/MYSQL_PORT, REDIS_URL, NATS_URL): that server.
//    It must answer; a configured server that does not is a failure, never a silent switch to another one.
// 3. Nothing configured: the local default (127.0.0.1:3306, :6379, :4222) when it answers.
// 4. Nothing answers: testcontainers when a Docker engine answers (and TEST_INFRA is not `local`).
// 5. Else the run fails (with CI=true or not) with a message naming the variables and the commands that help.
// NATS: suites that use JetStream get a nats-server of their own (free port, temporary store) when the binary
// is installed, before steps 2-4, so streams and durable consumers of one run never meet another's.

export type Source = 'environment' | '.env' | 'local default' | 'testcontainers' | 'own nats-server';
export type MysqlTarget = { host: string; port: number; user: string; password: string };
type Resolved<T> = T & { source: Source; stop?: () => Promise<void> };

const HELP =
  'Start the local servers (Debian/Ubuntu: `bash scripts/ensure-infra.sh`; any machine with Docker: ' +
  '`docker compose -f docker-compose.yml -f docker-compose.infra.yml up -d mysql redis nats`), ' +
  'or run with a Docker engine and TEST_INFRA=containers (testcontainers). See docs/troubleshooting.md.';

/** Says which server a run uses, once per choice (jest shows it above the results). */
function chosen<T extends { source: Source }>(what: string, where: string, resolved: T): T {
  if (process.env.TEST_INFRA_QUIET !== '1') console.log(`test infrastructure: ${what} ${where} (${resolved.source})`);
  return resolved;
}

function missing(what: string, vars: string, detail: string): Error {
  return new Error(
    `${what} is not available for the tests: ${detail}. Set ${vars} (environment or .env) to a server that answers. ${HELP}`,
  );
}

async function useContainers(): Promise<boolean> {
  const mode = infraMode();
  if (mode === 'containers') return true;
  return mode === 'auto' && (await dockerAnswers());
}

async function container(
  image: string,
  port: number,
  configure?: (c: import('testcontainers').GenericContainer) => import('testcontainers').GenericContainer,
) {
  const { GenericContainer } = await import('testcontainers');
  const base = new GenericContainer(image).withExposedPorts(port);
  const started = await (configure ? configure(base) : base).start();
  return { host: started.getHost(), port: started.getMappedPort(port), stop: async () => void (await started.stop()) };
}

export async function resolveMysql(): Promise<Resolved<{ target: MysqlTarget }>> {
  const vars = 'MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD';
  if (infraMode() !== 'containers') {
    const host = setting('MYSQL_HOST');
    const port = setting('MYSQL_PORT');
    const target = {
      host: host?.value ?? '127.0.0.1',
      port: Number(port?.value ?? 3306),
      // Tests create and drop databases: the admin account when one is configured (.env.example names root),
      // else MYSQL_USER. The services' own MYSQL_USER may hold rows-only grants.
      user: setting('MYSQL_ADMIN_USER')?.value ?? setting('MYSQL_USER')?.value ?? 'root',
      password: setting('MYSQL_ADMIN_USER')
        ? (settingOrEmpty('MYSQL_ADMIN_PASSWORD') ?? '')
        : (settingOrEmpty('MYSQL_PASSWORD') ?? ''),
    };
    const origin = host?.origin ?? port?.origin;
    const answers = await canConnect(target.host, target.port);
    if (origin && !answers)
      throw missing('MySQL', vars, `nothing answers at ${target.host}:${target.port} (from ${origin})`);
    if (answers) return chosen('MySQL', `${target.host}:${target.port}`, { target, source: origin ?? 'local default' });
  }
  if (!(await useContainers())) {
    throw missing('MySQL', vars, 'nothing answers at 127.0.0.1:3306 and no Docker engine answers for testcontainers');
  }
  const { Wait } = await import('testcontainers');
  const c = await container('mysql:8.4', 3306, (g) =>
    g
      .withEnvironment({ MYSQL_ROOT_PASSWORD: 'test' })
      .withWaitStrategy(Wait.forLogMessage(/ready for connections.*port: 3306/)),
  );
  const target = { host: c.host, port: c.port, user: 'root', password: 'test' };
  return chosen('MySQL', `${c.host}:${c.port}`, { target, source: 'testcontainers', stop: c.stop });
}

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port || defaultPort) };
}

export async function resolveRedis(): Promise<Resolved<{ url: string }>> {
  if (infraMode() !== 'containers') {
    const configured = setting('REDIS_URL');
    const url = configured?.value ?? 'redis://127.0.0.1:6379';
    const { host, port } = hostPort(url, 6379);
    const answers = await canConnect(host, port);
    if (configured && !answers)
      throw missing('Redis', 'REDIS_URL', `nothing answers at ${url} (from ${configured.origin})`);
    if (answers) return chosen('Redis', url, { url, source: configured?.origin ?? 'local default' });
  }
  if (!(await useContainers())) {
    throw missing(
      'Redis',
      'REDIS_URL',
      'nothing answers at redis://127.0.0.1:6379 and no Docker engine answers for testcontainers',
    );
  }
  const c = await container('redis:7', 6379);
  const url = `redis://${c.host}:${c.port}`;
  return chosen('Redis', url, { url, source: 'testcontainers', stop: c.stop });
}

/** NATS with JetStream for one test run: an own nats-server when installed (isolated), else as above. */
export async function resolveNats(): Promise<Resolved<{ url: string }>> {
  if (infraMode() !== 'containers') {
    if (findBinary('nats-server')) {
      const own = await startOwnNats();
      const stop = async () => {
        await own.stop();
        rmSync(own.storeDir, { recursive: true, force: true });
      };
      return chosen('NATS', own.url, { url: own.url, source: 'own nats-server', stop });
    }
    const configured = setting('NATS_URL');
    const url = configured?.value ?? 'nats://127.0.0.1:4222';
    const { host, port } = hostPort(url, 4222);
    const answers = await canConnect(host, port);
    if (configured && !answers)
      throw missing('NATS', 'NATS_URL', `nothing answers at ${url} (from ${configured.origin})`);
    if (answers) return chosen('NATS', url, { url, source: configured?.origin ?? 'local default' });
  }
  if (!(await useContainers())) {
    throw missing(
      'NATS',
      'NATS_URL',
      'no nats-server binary, nothing answers at nats://127.0.0.1:4222 and no Docker engine answers for testcontainers',
    );
  }
  const c = await container('nats:2.10-alpine', 4222, (g) => g.withCommand(['-js']));
  const url = `nats://${c.host}:${c.port}`;
  return chosen('NATS', url, { url, source: 'testcontainers', stop: c.stop });
}
