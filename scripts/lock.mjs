// `npm run lock`: brings every lock file in line with its package.json, in one command.
// - The root package-lock.json (npm workspaces: what `npm install` / `npm ci` at the root installs).
// - Each image package's own package-lock.json (db and the four services), which its Dockerfile installs with
//   `npm ci` from the package folder alone: made in a temporary copy of the folder (outside the workspace, so
//   npm treats it as a project of its own), starting from the committed lock so unchanged versions stay.
// A lock file with merge-conflict markers is not a starting point: the root one npm resolves itself, a
// package's one is made afresh from its package.json. Then scripts/complete-lockfiles.mjs.
// Usage: npm run lock   (then `npm install` to install what changed, and commit package.json + locks)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
export const IMAGE_PACKAGES = ['db', 'user-service', 'event-service', 'booking-service', 'notification-service'];
const npmFlags = [
  '--package-lock-only',
  '--ignore-scripts',
  '--no-audit',
  '--no-fund',
  '--loglevel=error',
  '--omit-lockfile-registry-resolved=false',
];

/** The committed lock as a starting point, or undefined (missing, conflicted). Entries without an integrity
 *  (placeholders complete-lockfiles.mjs added) are dropped so npm fetches their real metadata again. */
function startingLock(file) {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  if (/^(<{7}|>{7}|={7})/m.test(text)) {
    console.log(`${path.relative(root, file)}: merge conflict markers, made afresh from package.json`);
    return undefined;
  }
  const lock = JSON.parse(text);
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (key.includes('node_modules/') && !entry.link && !entry.integrity && !entry.resolved) delete lock.packages[key];
  }
  return `${JSON.stringify(lock, null, 2)}\n`;
}

function lockPackage(folder) {
  const dir = path.join(root, folder);
  const tmp = mkdtempSync(path.join(os.tmpdir(), `ebs-lock-${folder}-`));
  try {
    writeFileSync(path.join(tmp, 'package.json'), readFileSync(path.join(dir, 'package.json')));
    const start = startingLock(path.join(dir, 'package-lock.json'));
    if (start) writeFileSync(path.join(tmp, 'package-lock.json'), start);
    execFileSync('npm', ['install', ...npmFlags], { cwd: tmp, stdio: 'inherit' });
    writeFileSync(path.join(dir, 'package-lock.json'), readFileSync(path.join(tmp, 'package-lock.json')));
    console.log(`${folder}/package-lock.json: in sync with ${folder}/package.json`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function lockRoot() {
  const file = path.join(root, 'package-lock.json');
  // npm resolves conflict markers in the root lock itself; placeholders are dropped before the final run.
  if (existsSync(file) && /^(<{7}|>{7}|={7})/m.test(readFileSync(file, 'utf8'))) {
    execFileSync('npm', ['install', ...npmFlags], { cwd: root, stdio: 'inherit' });
  }
  const start = startingLock(file);
  if (start) writeFileSync(file, start);
  execFileSync('npm', ['install', ...npmFlags], { cwd: root, stdio: 'inherit' });
  console.log('package-lock.json (root, all workspaces): in sync with every package.json');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  lockRoot();
  for (const folder of IMAGE_PACKAGES) if (existsSync(path.join(root, folder, 'package.json'))) lockPackage(folder);
  execFileSync(process.execPath, [path.join(root, 'scripts', 'complete-lockfiles.mjs')], { stdio: 'inherit' });
  console.log(
    'Done. Now `npm install` (installs and builds what changed) and commit package.json + package-lock.json files.',
  );
}
