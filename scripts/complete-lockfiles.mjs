// Completes the lock files `npm run lock` made:
// 1. Every registry package gets its `resolved` tarball URL. Without it (~/.npmrc omit-lockfile-registry-resolved
//    on these machines) `npm ci` must fetch every package's metadata from the registry before it can install,
//    even with a warm cache: 1400 requests, minutes on a slow mirror. With it, a warm cache needs no network.
// 2. Lock entries for optional platform packages a lock file lacks (e.g. @swc/core-darwin-arm64).
// Why: a registry mirror that serves only the linux builds of such packages makes `npm install` write a lock
// without the others, and `npm ci` elsewhere then refuses it as out of sync. An entry marked optional is
// enough: npm ci skips optional packages that do not fit the platform. Each added entry carries the os/cpu
// (and libc) its name says, so npm never installs it on another platform (without them, every platform's
// binary was installed: 830 MB of biome builds at the root alone).
// Run by `npm run lock`; by hand: node scripts/complete-lockfiles.mjs
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const folders = ['.', 'db', 'user-service', 'event-service', 'booking-service', 'notification-service'];

const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPU = ['x64', 'arm64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32'];

/** os/cpu/libc from a platform package's name, e.g. @biomejs/cli-linux-x64-musl; {} when it names none. */
export function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = OS.find((o) => parts.includes(o));
  const cpu = CPU.find((c) => parts.includes(c) || parts.some((p) => p === `${c}eabihf` || p === `${c}eabi`));
  const fields = {};
  if (os) fields.os = [os];
  if (cpu) fields.cpu = [cpu];
  if (os === 'linux' && parts.some((p) => p === 'musl' || p.startsWith('musl'))) fields.libc = ['musl'];
  else if (os === 'linux' && parts.some((p) => p === 'gnu' || p.startsWith('gnu'))) fields.libc = ['glibc'];
  return fields;
}

const REGISTRY = 'https://registry.npmjs.org/';

/** The registry tarball URL of a lock entry (key `node_modules/@scope/name`, or its `name` for an alias). */
export function tarballUrl(key, entry) {
  const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return `${REGISTRY}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const folder of folders) {
    const file = path.join(root, folder, 'package-lock.json');
    if (!existsSync(file)) continue;
    const lock = JSON.parse(readFileSync(file, 'utf8'));
    const packages = lock.packages;
    let resolved = 0;
    for (const [key, entry] of Object.entries(packages)) {
      if (!key.includes('node_modules/') || entry.link || entry.resolved || !entry.integrity) continue;
      packages[key] = { version: entry.version, resolved: tarballUrl(key, entry), ...entry };
      resolved++;
    }
    let added = 0;
    for (const [key, meta] of Object.entries(packages)) {
      for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
        const nested = key ? `${key}/node_modules/${dep}` : `node_modules/${dep}`;
        if (packages[nested] || packages[`node_modules/${dep}`]) continue;
        packages[`node_modules/${dep}`] = {
          version,
          ...(meta.dev ? { dev: true } : {}),
          optional: true,
          ...platformOf(dep),
        };
        added++;
      }
    }
    if (added + resolved > 0) {
      writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
      console.log(
        `${path.join(folder, 'package-lock.json')}: ${resolved} tarball URLs, ${added} optional platform entries added`,
      );
    }
  }
}
