// `npm run lock:check` (run by .ci/run): each image package's own package-lock.json must be in sync with its
// package.json, or its Dockerfile's `npm ci` would refuse it. Checked the way the Dockerfile sees the folder:
// package.json + package-lock.json alone in a temporary folder, `npm ci --dry-run` there.
// (The root lock is checked by the root `npm ci` itself.) A failure says the one command that fixes it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IMAGE_PACKAGES } from './lock.mjs';

const root = path.resolve(import.meta.dirname, '..');
const bad = [];
for (const folder of IMAGE_PACKAGES) {
  const dir = path.join(root, folder);
  if (!existsSync(path.join(dir, 'package.json'))) continue;
  if (!existsSync(path.join(dir, 'package-lock.json'))) {
    bad.push(`${folder}: package-lock.json is missing`);
    continue;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), `ebs-lockcheck-${folder}-`));
  try {
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(path.join(dir, f), path.join(tmp, f));
    const run = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: tmp,
      encoding: 'utf8',
    });
    if (run.status !== 0)
      bad.push(`${folder}: ${(run.stderr || run.stdout).trim().split('\n').slice(0, 6).join('\n  ')}`);
    else console.log(`${folder}/package-lock.json: in sync with its package.json`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
if (bad.length > 0) {
  console.error(
    `Lock files out of sync with package.json:\n- ${bad.join('\n- ')}\nFix: npm run lock, then commit the package-lock.json files.`,
  );
  process.exit(1);
}
