import { randomBytes } from 'node:crypto';
import { freePort, type MysqlTarget, resolveMysql } from '@ebs/test-support';
import mysql from 'mysql2/promise';
import pino from 'pino';
import request from 'supertest';
import { LAUNCHER_PROBE_AGENT } from '../src/http';
import { checkMysqlAtStart, createServiceApp, describeMysqlProblem, startupCheck } from '../src/lifecycle';
import { buildOpenApiDocument } from '../src/observability';

// Start-up failures (issue 28): a definite MySQL problem is one line naming the cause and the variable, MySQL not
// answering is waited out; probes are not logged at error; GET / points at the docs.
let target: MysqlTarget;
let admin: mysql.Connection;
const database = `ebs_test_start_${randomBytes(3).toString('hex')}`;
const emptyDatabase = `${database}_empty`;

beforeAll(async () => {
  target = (await resolveMysql()).target;
  admin = await mysql.createConnection({ ...target });
  await admin.query(`CREATE DATABASE \`${database}\``);
  await admin.query(`CREATE DATABASE \`${emptyDatabase}\``);
  await admin.query(`CREATE TABLE \`${database}\`.schema_migrations (name VARCHAR(255) PRIMARY KEY)`);
  await admin.query(`INSERT INTO \`${database}\`.schema_migrations VALUES ('001_init.sql')`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin.query(`DROP DATABASE IF EXISTS \`${emptyDatabase}\``);
  await admin.end();
});

describe('checkMysqlAtStart', () => {
  test('when the account, database and schema are there, then there is no problem', async () => {
    await expect(checkMysqlAtStart({ ...target, database })).resolves.toBeNull();
  });

  test('when MySQL refuses the password, then one definite line names the user and MYSQL_USER/MYSQL_PASSWORD', async () => {
    const problem = await checkMysqlAtStart({ ...target, password: 'surely-wrong', database });
    expect(problem).toEqual({
      definite: true,
      line: `MySQL refused user '${target.user}' (MYSQL_USER/MYSQL_PASSWORD in .env)`,
    });
  });

  test('when the database does not exist, then one definite line says it is not migrated and names MYSQL_DB', async () => {
    const problem = await checkMysqlAtStart({ ...target, database: `${database}_missing` });
    expect(problem?.definite).toBe(true);
    expect(problem?.line).toBe(
      `MySQL database '${database}_missing' does not exist: not migrated (run \`npm run migrate\`; MYSQL_DB in .env)`,
    );
  });

  test('when the database has no schema, then one definite line says it is not migrated', async () => {
    const problem = await checkMysqlAtStart({ ...target, database: emptyDatabase });
    expect(problem).toEqual({
      definite: true,
      line: `MySQL database '${emptyDatabase}' has no schema: not migrated (run \`npm run migrate\`; MYSQL_DB in .env)`,
    });
  });

  test('when nothing answers at MYSQL_HOST:MYSQL_PORT, then the problem is not definite and names them', async () => {
    const port = await freePort();
    const problem = await checkMysqlAtStart({ ...target, host: '127.0.0.1', port, database });
    expect(problem).toEqual({
      definite: false,
      line: `MySQL at 127.0.0.1:${port} does not answer (ECONNREFUSED) (MYSQL_HOST/MYSQL_PORT in .env; is MySQL running?)`,
    });
  });

  test('when a launcher names its own variables, then the line names them', () => {
    const vars = { account: 'MYSQL_ADMIN_USER/MYSQL_ADMIN_PASSWORD', address: 'A', database: 'D' };
    const t = { host: 'h', port: 1, user: 'root', database: 'x' };
    expect(describeMysqlProblem({ code: 'ER_ACCESS_DENIED_ERROR' }, t, vars).line).toBe(
      "MySQL refused user 'root' (MYSQL_ADMIN_USER/MYSQL_ADMIN_PASSWORD in .env)",
    );
  });
});

describe('startupCheck', () => {
  test('when the problem is definite, then it prints the one line and exits 1', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((l: string) => errors.push(l));
    const exits: number[] = [];
    await startupCheck({
      service: 'kit-test',
      db: { ...target, password: 'surely-wrong', database },
      logger: pino({ level: 'silent' }),
      exit: (c) => exits.push(c),
    });
    spy.mockRestore();
    expect(exits).toEqual([1]);
    expect(errors).toEqual([`kit-test: MySQL refused user '${target.user}' (MYSQL_USER/MYSQL_PASSWORD in .env)`]);
  });

  test('when MySQL does not answer, then it warns once and keeps checking without exiting', async () => {
    const port = await freePort();
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const exits: number[] = [];
    const check = startupCheck({
      service: 'kit-test',
      db: { ...target, host: '127.0.0.1', port, database },
      logger,
      retryMs: 50,
      exit: (c) => exits.push(c),
    });
    const settled = await Promise.race([check.then(() => 'settled'), new Promise((r) => setTimeout(r, 600, 'open'))]);
    expect(settled).toBe('open');
    expect(exits).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40 });
    expect(lines[0]?.msg).toMatch(/does not answer .*not ready until it answers/);
  });
});

describe('service app: GET / and the access log of probes', () => {
  const lines: Array<{ level: number; url?: string; status?: number }> = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  const openApi = buildOpenApiDocument({
    title: 'kit-test',
    description: 'test',
    version: '1.2.3',
    readyChecks: ['mysql'],
    operations: [],
  });
  const app = createServiceApp({
    logger,
    routes: () => {},
    checks: [{ name: 'mysql', required: true, check: () => Promise.reject(new Error('down')) }],
    openApi,
  });

  test('when GET / is asked, then it names the service and links /docs, /openapi.json and /health', async () => {
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      service: 'kit-test',
      version: '1.2.3',
      links: { docs: '/docs', openapi: '/openapi.json', health: '/health' },
    });
  });

  test('when /ready answers 503, then it is logged at warn (never error), and at debug for the launcher', async () => {
    lines.length = 0;
    expect((await request(app).get('/ready')).status).toBe(503);
    expect((await request(app).get('/ready').set('User-Agent', `${LAUNCHER_PROBE_AGENT}/1`)).status).toBe(503);
    await new Promise((r) => setImmediate(r));
    const ready = lines.filter((l) => l.url === '/ready');
    expect(ready.map((l) => l.level)).toEqual([40, 20]);
  });
});
