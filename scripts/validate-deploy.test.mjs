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
  '.env.example',
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
    (s) => s.replace('"3003:3000"', '"3003:8080"'),
    /3003:3000/,
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
    (s) => s.replace(/FROM node:22-bookworm-slim AS build[\s\S]*?RUN npm run build\n/, ''),
    /multi-stage/,
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
