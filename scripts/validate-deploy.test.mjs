// node --test scripts/: proves scripts/validate-deploy.mjs fails on deliberately broken copies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..');
const VALIDATOR = path.join(ROOT, 'scripts', 'validate-deploy.mjs');
const FILES = [
  'docker-compose.yml',
  '.dockerignore',
  '.env.example',
  'README.md',
  'docs',
  'k8s',
  'db',
  'user-service',
  'event-service',
  'booking-service',
  'notification-service',
];

/** A copy of the deploy files (no node_modules), with `edit` applied to one file. */
function brokenCopy(file, edit) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ebs-deploy-'));
  for (const f of FILES) {
    cpSync(path.join(ROOT, f), path.join(dir, f), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}node_modules`) && !src.includes(`${path.sep}dist`),
    });
  }
  if (file) {
    const target = path.join(dir, file);
    const before = readFileSync(target, 'utf8');
    const after = edit(before);
    assert.notEqual(after, before, `the edit of ${file} changed nothing`);
    writeFileSync(target, after);
  }
  return dir;
}

function validate(dir) {
  const r = spawnSync(process.execPath, [VALIDATOR, '--root', dir], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('when nothing is broken, then validation passes', () => {
  const r = validate(brokenCopy());
  assert.equal(r.code, 0, r.out);
});

const cases = [
  [
    'compose: a port mapping changed',
    'docker-compose.yml',
    (s) => s.replace('BOOKING_SERVICE_PORT:-3003}:3000', 'BOOKING_SERVICE_PORT:-3003}:8080'),
    /BOOKING_SERVICE_PORT/,
  ],
  [
    'compose: a service published on every interface whatever .env says',
    'docker-compose.yml',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a JS template
    (s) => s.replace('${BIND_ADDRESS:-127.0.0.1}:${USER_SERVICE_PORT', '0.0.0.0:${USER_SERVICE_PORT'),
    /user-service must publish .*BIND_ADDRESS/,
  ],
  [
    'compose: a service reads the whole .env',
    'docker-compose.yml',
    (s) =>
      s.replace('  booking-service:\n    <<: *service\n', '  booking-service:\n    <<: *service\n    env_file: .env\n'),
    /booking-service must not use env_file/,
  ],
  [
    'compose: the services get the root password',
    'docker-compose.yml',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a JS template
    (s) => s.replace('  PORT: "3000"\n', '  PORT: "3000"\n  MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD}\n'),
    /must not get MYSQL_ROOT_PASSWORD/,
  ],
  [
    'compose: the services connect as root',
    'docker-compose.yml',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a JS template
    (s) => s.replace('MYSQL_USER: ${MYSQL_USER:-ebs_app}', 'MYSQL_USER: root'),
    /connect as MYSQL_USER from .env/,
  ],
  [
    'compose: migrate without the admin account',
    'docker-compose.yml',
    (s) => s.replace('      MYSQL_ADMIN_USER: root\n', ''),
    /migrate must get MYSQL_ADMIN_USER/,
  ],
  [
    'compose: MySQL published on the host',
    'docker-compose.yml',
    (s) =>
      s.replace(
        '  mysql:\n    image: mysql:8.4\n',
        '  mysql:\n    image: mysql:8.4\n    ports:\n      - "3306:3306"\n',
      ),
    /mysql must not be published/,
  ],
  [
    'compose: an unknown key',
    'docker-compose.yml',
    (s) => s.replace('  redis:\n    image', '  redis:\n    imagez: x\n    image'),
    /schema/,
  ],
  ['compose: a wrong type', 'docker-compose.yml', (s) => s.replace('retries: 10', 'retries: [ten]'), /schema/],
  [
    'compose: services no longer wait for migrate',
    'docker-compose.yml',
    (s) => s.replace('condition: service_completed_successfully', 'condition: service_started'),
    /after migrate/,
  ],
  [
    'k8s: a Deployment without readiness probe',
    'k8s/30-user-service.yaml',
    (s) => s.replace('readinessProbe:', 'startupProbe:'),
    /readinessProbe/,
  ],
  [
    'k8s: resources removed',
    'k8s/31-event-service.yaml',
    (s) => s.replace(/ {10}resources:\n( {12}.*\n)+/, ''),
    /resources/,
  ],
  [
    'k8s: running as root allowed',
    'k8s/33-notification-service.yaml',
    (s) => s.replace('runAsNonRoot: true', 'runAsNonRoot: false'),
    /runAsNonRoot/,
  ],
  [
    'k8s: an image name not matching its folder',
    'k8s/32-booking-service.yaml',
    (s) => s.replace('image: booking-service:latest', 'image: bookings:latest'),
    /image/,
  ],
  [
    'k8s: a Service targeting another port',
    'k8s/30-user-service.yaml',
    (s) => s.replace('targetPort: 3000', 'targetPort: 8080'),
    /targetPort 3000/,
  ],
  ['k8s: a ConfigMap key missing', 'k8s/00-config.yaml', (s) => s.replace('  CACHE_TTL: "60"\n', ''), /CACHE_TTL/],
  [
    'k8s: a secret value committed',
    'k8s/00-config.yaml',
    (s) =>
      `${s}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: ebs-secret\n  namespace: ebs\nstringData:\n  MYSQL_PASSWORD: dev\n`,
    /no secret value may be committed/,
  ],
  [
    'k8s: every secret handed to a container',
    'k8s/30-user-service.yaml',
    (s) =>
      s.replace(
        '                name: ebs-config\n',
        '                name: ebs-config\n            - secretRef:\n                name: ebs-secret\n',
      ),
    /envFrom secretRef/,
  ],
  [
    "k8s: a Secret key docs/deploy.md's create secret lacks",
    'k8s/31-event-service.yaml',
    (s) => s.replace('key: REDIS_PASSWORD', 'key: REDIS_PASS'),
    /REDIS_PASS that docs\/deploy\.md/,
  ],
  [
    'docs/deploy.md: the create secret command without a key the manifests use',
    'docs/deploy.md',
    (s) => s.replace('  --from-literal=NATS_PASSWORD="$(openssl rand -hex 24)" \\\n', ''),
    /NATS_PASSWORD that docs\/deploy\.md/,
  ],
  [
    'docs/deploy.md: no metrics-server step',
    'docs/deploy.md',
    (s) => s.replaceAll('metrics-server', 'metrics'),
    /metrics-server/,
  ],
  [
    'k8s: the namespace does not enforce restricted',
    'k8s/00-config.yaml',
    (s) => s.replace('enforce: restricted', 'enforce: baseline'),
    /restricted/,
  ],
  [
    'k8s: a pod without seccomp profile',
    'k8s/32-booking-service.yaml',
    (s) => s.replace('        seccompProfile:\n          type: RuntimeDefault\n', ''),
    /seccompProfile/,
  ],
  [
    'k8s: capabilities kept',
    'k8s/33-notification-service.yaml',
    (s) => s.replace('drop: ["ALL"]', 'drop: ["NET_RAW"]'),
    /drop ALL/,
  ],
  [
    'k8s: a writable root filesystem in a service pod',
    'k8s/30-user-service.yaml',
    (s) => s.replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'),
    /readOnlyRootFilesystem/,
  ],
  ['k8s: MySQL as root', 'k8s/10-mysql.yaml', (s) => s.replace('runAsUser: 999', 'runAsUser: 0'), /runAsUser/],
  [
    'k8s: the services connect as root',
    'k8s/00-config.yaml',
    (s) => s.replace('MYSQL_USER: ebs_app', 'MYSQL_USER: root'),
    /MYSQL_USER must be the app account/,
  ],
  [
    'k8s: a service pod holds the admin password',
    'k8s/32-booking-service.yaml',
    (s) => s.replace('key: MYSQL_PASSWORD', 'key: MYSQL_ADMIN_PASSWORD'),
    /must not hold MYSQL_ADMIN_PASSWORD/,
  ],
  [
    'k8s: the init container migrates instead of waiting',
    'k8s/31-event-service.yaml',
    (s) => s.replace('args: ["node", "dist/main.js", "--wait"]', 'args: ["node", "dist/main.js"]'),
    /--wait/,
  ],
  [
    'k8s: Redis without a password',
    'k8s/11-redis.yaml',
    (s) => s.replace(', "--requirepass", "$(REDIS_PASSWORD)"', ''),
    /requirepass/,
  ],
  [
    'k8s: NATS_URL without credentials',
    'k8s/33-notification-service.yaml',
    (s) => s.replace('nats://ebs:$(NATS_PASSWORD)@nats:4222', 'nats://nats:4222'),
    /NATS_URL must carry credentials/,
  ],
  [
    'k8s: no default deny',
    'k8s/40-network-policies.yaml',
    (s) =>
      s.replace(
        '  policyTypes: ["Ingress", "Egress"]\n---',
        '  policyTypes: ["Ingress", "Egress"]\n  ingress:\n    - {}\n---',
      ),
    /default-deny/,
  ],
  [
    'k8s: MySQL reachable from anywhere',
    'k8s/40-network-policies.yaml',
    (s) =>
      s.replace(
        /(name: mysql-ingress[\s\S]*?ingress:\n)/,
        '$1    - from:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n',
      ),
    /mysql must take traffic only from our pods/,
  ],
  [
    'k8s: event-service cannot reach Redis',
    'k8s/40-network-policies.yaml',
    (s) => s.replace(/(name: event-service-egress[\s\S]*?app: )redis/, '$1cache'),
    /event-service reach redis/,
  ],
  [
    'k8s: a schema violation',
    'k8s/32-booking-service.yaml',
    (s) => s.replace('replicas: 2', 'replicas: two'),
    /schema/,
  ],
  [
    'k8s: a single booking replica',
    'k8s/32-booking-service.yaml',
    (s) => s.replace('replicas: 2', 'replicas: 1'),
    /2 replicas/,
  ],
  [
    'Dockerfile: single stage',
    'user-service/Dockerfile',
    (s) => s.replace(/FROM node:22-bookworm-slim AS prune[\s\S]*?(?=FROM node:22-bookworm-slim AS runtime)/, ''),
    /multi-stage/,
  ],
  [
    'Dockerfile: a BuildKit frontend pulled',
    'notification-service/Dockerfile',
    (s) => `# syntax=docker/dockerfile:1\n${s}`,
    /syntax/,
  ],
  [
    'Dockerfile: the build installs every devDependency',
    'user-service/Dockerfile',
    (s) => s.replace(" --dev-only '^(typescript|@types/.*)$'", ''),
    /only the compiler and types/,
  ],
  [
    'Dockerfile: the whole workspace installed, not the pruned closure',
    'event-service/Dockerfile',
    (s) => s.replace('prune-lock.mjs event-service --prod', 'prune-lock.mjs booking-service --prod'),
    /production closure/,
  ],
  [
    'compose: a service built from its own folder',
    'docker-compose.yml',
    (s) =>
      s.replace(/build:\n {6}context: \.\n {6}dockerfile: booking-service\/Dockerfile/, 'build: ./booking-service'),
    /booking-service must build from the repository root/,
  ],
  ['root .dockerignore: .env not ignored', '.dockerignore', (s) => s.replace('.env*\n', ''), /\.dockerignore.*\.env/],
  [
    'Dockerfile: the runtime stage installs build tools',
    'db/Dockerfile',
    (s) => s.replace('USER node', 'RUN npm install --no-save typescript\nUSER node'),
    /runtime stage must not install|no npm install/,
  ],
  ['Dockerfile: root user', 'event-service/Dockerfile', (s) => s.replace('USER node', 'USER root'), /non-root USER/],
  [
    'Dockerfile: npm install instead of npm ci',
    'booking-service/Dockerfile',
    (s) => s.replaceAll('npm ci', 'npm install'),
    /npm ci/,
  ],
  [
    'Dockerfile: an unknown instruction',
    'db/Dockerfile',
    (s) => s.replace('WORKDIR /app', 'WORKDIRR /app'),
    /line \d+/,
  ],
];

for (const [name, file, edit, expected] of cases) {
  test(`when ${name}, then validation fails saying so`, () => {
    const r = validate(brokenCopy(file, edit));
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, expected);
  });
}
