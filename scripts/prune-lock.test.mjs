// node --test scripts/: the lock pruning the images install from (scripts/prune-lock.mjs), on the real root lock.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { prune, resolveIn } from './prune-lock.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
const manifest = (w) => JSON.parse(readFileSync(path.join(ROOT, w, 'package.json'), 'utf8'));

/** The version Node's lookup of `name` from `from` finds in a lock's packages map. */
function versionFrom(pkgs, from, name) {
  const key = resolveIn(pkgs, from, name);
  if (!key) return undefined;
  return pkgs[key].link ? pkgs[pkgs[key].resolved].version : pkgs[key].version;
}

for (const service of ['user-service', 'event-service', 'booking-service', 'notification-service', 'db']) {
  test(`when ${service} is pruned for its runtime image, then it gets its closure at the locked versions, no dev tool`, () => {
    const { lock: pruned, manifests, rootManifest } = prune(lock, manifest, service, { prod: true });
    const wanted = service === 'db' ? ['db'] : [service, 'packages/contracts', 'packages/service-kit'].sort();
    assert.deepEqual(rootManifest.workspaces, wanted.sort());
    const names = Object.keys(pruned.packages).filter((k) => k.includes('node_modules/'));
    for (const tool of ['typescript', 'jest', 'testcontainers', '@swc/core', 'supertest', '@biomejs/biome']) {
      assert.ok(!names.some((k) => k.endsWith(`node_modules/${tool}`)), `${tool} is not in a runtime image`);
    }
    for (const m of Object.values(manifests)) assert.equal(m.devDependencies, undefined);
    // Every dependency of every package in the pruned lock resolves there, to the version the full lock gives.
    for (const [key, entry] of Object.entries(pruned.packages)) {
      if (key === '' || entry.link) continue;
      const deps = key.includes('node_modules/') ? { ...entry.dependencies } : { ...manifests[key].dependencies };
      for (const name of Object.keys(deps)) {
        const got = versionFrom(pruned.packages, key, name);
        assert.ok(got, `${key} needs ${name}`);
        if (!key.includes('node_modules/'))
          assert.equal(got, versionFrom(lock.packages, key, name), `${key} -> ${name}`);
      }
    }
  });
}

test('when pruned, then a version dev tools held the top slot for is hoisted: one copy instead of one per dependent', () => {
  const { lock: pruned } = prune(lock, manifest, 'booking-service', { prod: true });
  const copies = Object.keys(pruned.packages).filter((k) => k.endsWith('node_modules/mime-types'));
  assert.deepEqual(copies, ['node_modules/mime-types']);
  assert.equal(
    versionFrom(pruned.packages, 'node_modules/express', 'mime-types'),
    versionFrom(lock.packages, 'node_modules/express', 'mime-types'),
  );
});

test('when the build closure is pruned with --dev-only, then it adds the compiler and types, nothing else', () => {
  const { lock: pruned } = prune(lock, manifest, 'booking-service', { devOnly: /^(typescript|@types\/.*)$/ });
  const names = Object.keys(pruned.packages);
  assert.ok(names.includes('node_modules/typescript'));
  assert.ok(
    !names.some((k) => k.endsWith('node_modules/jest') || k.endsWith('node_modules/@apidevtools/swagger-parser')),
  );
});

test('when the workspace is unknown, then pruning says so', () => {
  assert.throws(() => prune(lock, manifest, 'no-such-service', { prod: true }), /no workspace no-such-service/);
});

test('when a package has an optional peer (the kit: nats), then the runtime closure leaves it out and the build has it', () => {
  const runtime = prune(lock, manifest, 'user-service', { prod: true }).lock.packages;
  const build = prune(lock, manifest, 'user-service', { devOnly: /^(typescript|@types\/.*)$/ }).lock.packages;
  assert.equal(runtime['node_modules/nats'], undefined);
  assert.ok(build['node_modules/nats']);
  assert.ok(prune(lock, manifest, 'booking-service', { prod: true }).lock.packages['node_modules/nats']);
});

test('when a service uses the kit’s messaging, then its runtime closure has the NATS client (an optional peer of the kit)', async () => {
  const { readdirSync } = await import('node:fs');
  const sources = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(path.join(dir, e.name)) : [readFileSync(path.join(dir, e.name), 'utf8')],
    );
  for (const service of ['user-service', 'event-service', 'booking-service', 'notification-service']) {
    const usesMessaging = sources(path.join(ROOT, service, 'src')).some((s) =>
      s.includes("'@ebs/service-kit/messaging'"),
    );
    const closure = prune(lock, manifest, service, { prod: true }).lock.packages;
    assert.equal(Boolean(closure['node_modules/nats']), usesMessaging, `${service}: messaging ${usesMessaging}`);
  }
});

test('when a dependency or a required peer is missing from the lock, then pruning fails naming it', () => {
  const broken = structuredClone(lock);
  broken.packages['packages/service-kit'].peerDependencies = { 'left-pad-peer': '1' };
  assert.throws(() => prune(broken, manifest, 'booking-service', { prod: true }), /needs left-pad-peer/);
  const missingDep = structuredClone(lock);
  delete missingDep.packages['node_modules/express'];
  assert.throws(() => prune(missingDep, manifest, 'booking-service', { prod: true }), /needs express/);
});
