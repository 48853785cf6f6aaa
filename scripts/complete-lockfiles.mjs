// Adds lock entries for optional platform packages the lock file lacks (e.g. @swc/core-darwin-arm64).
// Why: the npm registry mirror of our build machines only serves the linux builds of such packages, so
// `npm install` there writes a lock without the others and `npm ci` then refuses it as out of sync.
// An entry marked optional is enough: npm ci skips (or tolerates failing) optional packages that do not
// fit the platform. Run after any `npm install` that changes a package's dependencies:
//   node scripts/complete-lockfiles.mjs
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const folders = ['.', 'db', 'user-service', 'event-service', 'booking-service', 'notification-service', 'e2e', 'bench'];

for (const folder of folders) {
  const file = path.join(root, folder, 'package-lock.json');
  if (!existsSync(file)) continue;
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  const packages = lock.packages;
  let added = 0;
  for (const [key, meta] of Object.entries(packages)) {
    for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
      const nested = key ? `${key}/node_modules/${dep}` : `node_modules/${dep}`;
      if (packages[nested] || packages[`node_modules/${dep}`]) continue;
      packages[`node_modules/${dep}`] = { version, ...(meta.dev ? { dev: true } : {}), optional: true };
      added++;
    }
  }
  if (added > 0) {
    writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
    console.log(`${path.join(folder, 'package-lock.json')}: added ${added} optional platform entries`);
  }
}
