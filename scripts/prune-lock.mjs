#!/usr/bin/env node
// Prunes the root workspace to what one package needs, for its Docker image (the job `turbo prune --docker`
// does, for npm workspaces and without a binary): the package, the workspace packages it depends on
// (@ebs/service-kit, @ebs/contracts) and exactly the locked versions of their dependency closure.
//
//   node scripts/prune-lock.mjs <workspace> --out <dir> [--prod] [--dev-only <regex>]
//
// Reads package-lock.json and the workspaces' package.json files from the current folder; writes to <dir> a
// root package.json, a package-lock.json and each included workspace's package.json, so that `npm ci` there
// installs that closure and nothing else. --prod drops every devDependency (the runtime image);
// --dev-only keeps the devDependencies whose names match the regex (the build stage: the compiler and types).
// Nothing else is read or written; no network.
import fs from 'node:fs';
import path from 'node:path';

/** Node's lookup in a lock's packages map: <from>/node_modules/<name>, then each enclosing node_modules up. */
export function resolveIn(packages, from, name) {
  let base = from;
  for (;;) {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[key]) return key;
    if (base === '') return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i >= 0 ? base.slice(0, i) : '';
  }
}

export function prune(lock, readManifest, target, { prod = false, devOnly } = {}) {
  const pkgs = lock.packages;
  const keepDev = (name) => !prod && (devOnly ? devOnly.test(name) : true);
  // Peers are followed; an optional one (the kit's nats: only a service that uses messaging installs it) only
  // for the build, where the compiler needs its types.
  const requiredPeers = (entry) =>
    Object.fromEntries(
      Object.entries(entry.peerDependencies ?? {}).filter(([n]) => !prod || !entry.peerDependenciesMeta?.[n]?.optional),
    );
  const depsOf = (entry, isWorkspace) => ({
    ...(entry.dependencies ?? {}),
    ...(entry.optionalDependencies ?? {}),
    ...requiredPeers(entry),
    ...(isWorkspace ? Object.fromEntries(Object.entries(entry.devDependencies ?? {}).filter(([n]) => keepDev(n))) : {}),
  });
  const resolve = (from, name) => resolveIn(pkgs, from, name);
  if (!pkgs[target]) throw new Error(`no workspace ${target} in package-lock.json`);
  const keep = new Set();
  const workspaces = [];
  const queue = [target];
  while (queue.length > 0) {
    const loc = queue.shift();
    if (keep.has(loc)) continue;
    keep.add(loc);
    const entry = pkgs[loc];
    if (entry.link) {
      queue.push(entry.resolved);
      continue;
    }
    const isWorkspace = !loc.includes('node_modules/');
    if (isWorkspace) workspaces.push(loc);
    const optional = (name) =>
      name in (entry.optionalDependencies ?? {}) || entry.peerDependenciesMeta?.[name]?.optional === true;
    for (const name of Object.keys(depsOf(entry, isWorkspace))) {
      const at = resolve(loc, name);
      if (at) queue.push(at);
      else if (!optional(name))
        throw new Error(`${loc} needs ${name}, which package-lock.json does not hold: run npm install`);
    }
  }
  // Each workspace is also linked from the root node_modules (node_modules/@ebs/<name> -> its folder).
  for (const [key, entry] of Object.entries(pkgs)) if (entry.link && workspaces.includes(entry.resolved)) keep.add(key);
  const stripDev = (m) => {
    const out = { ...m };
    const dev = Object.fromEntries(Object.entries(m.devDependencies ?? {}).filter(([n]) => keepDev(n)));
    if (Object.keys(dev).length > 0) out.devDependencies = dev;
    else delete out.devDependencies;
    return out;
  };
  const packages0 = Object.fromEntries([...keep].map((k) => [k, pkgs[k]]));
  const hoisted = hoist(packages0);
  const rootManifest = { name: lock.name, version: lock.version, private: true, workspaces: workspaces.sort() };
  const packages = { '': { name: lock.name, version: lock.version, workspaces: rootManifest.workspaces } };
  for (const key of Object.keys(hoisted).sort())
    packages[key] = key.includes('node_modules/') ? hoisted[key] : stripDev(hoisted[key]);
  const manifests = Object.fromEntries(workspaces.map((w) => [w, stripDev(readManifest(w))]));
  return {
    rootManifest,
    lock: { name: lock.name, version: lock.version, lockfileVersion: lock.lockfileVersion, requires: true, packages },
    manifests,
  };
}

/**
 * The root lock places packages for the whole workspace: a version that dev tools need may hold the top-level
 * slot (node_modules/mime-types@2 for a test tool), so the version the image needs sits nested under each of its
 * dependents (express, send, accepts... each a copy). Once pruned, such a slot may be free: move a nested package
 * up to a free top-level slot when every package in the closure still resolves every dependency to the very
 * same version afterwards (checked, else that move is not made). Fewer copies, identical resolution.
 */
export function hoist(packages) {
  const isPackage = (k) => k.includes('node_modules/') && !packages[k]?.link;
  const versionOf = (pk, k) => (k ? (pk[k].link ? `link:${pk[k].resolved}` : pk[k].version) : undefined);
  // What each package (by its own name@version and place) resolves each dependency to, as versions.
  const resolution = (pk) => {
    const out = new Map();
    for (const [k, e] of Object.entries(pk)) {
      const names = Object.keys({ ...e.dependencies, ...e.optionalDependencies, ...e.peerDependencies });
      out.set(k, names.map((n) => `${n}=${versionOf(pk, resolveIn(pk, k, n))}`).join(','));
    }
    return out;
  };
  let current = packages;
  for (let changed = true; changed; ) {
    changed = false;
    const candidates = Object.keys(current)
      .filter((k) => isPackage(k) && k.indexOf('/node_modules/') > 0)
      .sort((a, b) => a.length - b.length);
    for (const k of candidates) {
      if (!current[k]) continue;
      const name = k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const top = `node_modules/${name}`;
      if (current[top]) continue;
      // Move k (and what is nested under it) to the top; drop other copies of the same version.
      const next = {};
      const rename = new Map();
      for (const [key, e] of Object.entries(current)) {
        if (key === k || key.startsWith(`${k}/`)) {
          next[top + key.slice(k.length)] = e;
          rename.set(key, top + key.slice(k.length));
        } else if (key.endsWith(`/node_modules/${name}`) && current[key].version === current[k].version) {
          const nested = Object.keys(current).some((o) => o.startsWith(`${key}/`));
          if (nested) next[key] = e;
          else rename.set(key, top);
        } else next[key] = e;
      }
      const before = resolution(current);
      const after = resolution(next);
      const same = [...before].every(([key, r]) => after.get(rename.get(key) ?? key) === r);
      if (same) {
        current = next;
        changed = true;
      }
    }
  }
  return current;
}

function main(argv) {
  const target = argv[0];
  const at = (flag) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const out = at('--out');
  if (!target || !out) {
    console.error('usage: node scripts/prune-lock.mjs <workspace> --out <dir> [--prod] [--dev-only <regex>]');
    process.exit(2);
  }
  const devOnly = at('--dev-only');
  const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
  const result = prune(lock, (w) => JSON.parse(fs.readFileSync(path.join(w, 'package.json'), 'utf8')), target, {
    prod: argv.includes('--prod'),
    devOnly: devOnly ? new RegExp(devOnly) : undefined,
  });
  const write = (file, value) => {
    fs.mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
    fs.writeFileSync(path.join(out, file), `${JSON.stringify(value, null, 2)}\n`);
  };
  write('package.json', result.rootManifest);
  write('package-lock.json', result.lock);
  for (const [w, m] of Object.entries(result.manifests)) write(path.join(w, 'package.json'), m);
  const count = Object.keys(result.lock.packages).filter((k) => k.includes('node_modules/')).length;
  console.log(`pruned for ${target}: ${result.rootManifest.workspaces.join(', ')}; ${count} locked packages`);
}

// Run as a script (not imported by its test): real paths compared, so spaces and symlinks in the path count.
// (Self-contained: the Dockerfiles copy this file alone.)
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(import.meta.filename))
  main(process.argv.slice(2));
