// Every image's Dockerfile (the four services and db) with dockerfile-utils, then the project's rules
// (offline builds, multi-stage Node LTS, non-root runtime, pruned-lock installs, healthchecks), and .dockerignore.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { IMAGES, problem, ROOT } from './context.mjs';

export function checkDockerfiles() {
  for (const folder of IMAGES) {
    const file = path.join(ROOT, folder, 'Dockerfile');
    const where = `${folder}/Dockerfile`;
    if (!existsSync(file)) {
      problem(where, 'missing');
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const d of lintDockerfile(text)) {
      if (d.severity === 1) problem(where, `line ${d.range.start.line + 1}: ${d.message}`);
    }
    const lines = text.split('\n').map((l) => l.trim());
    // A `# syntax=` line makes BuildKit pull a frontend image: offline builds fail.
    if (lines.some((l) => /^#\s*syntax\s*=/i.test(l)))
      problem(where, 'no `# syntax=` directive (BuildKit would pull a frontend image)');
    const froms = lines.filter((l) => /^FROM\s/i.test(l));
    if (froms.length < 2) problem(where, 'must be multi-stage (build, then runtime)');
    const stages = new Set();
    for (const f of froms) {
      const [, base, name] = f.match(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i) ?? [];
      if (!stages.has(base) && !/^node:(22|24)[.-]/i.test(base ?? ''))
        problem(where, `base image must be Node 22 or 24 LTS (or an earlier stage): ${f}`);
      if (name) stages.add(name);
    }
    const finalStage = lines.slice(lines.lastIndexOf(froms.at(-1)));
    const user = finalStage.filter((l) => /^USER\s/i.test(l)).at(-1);
    if (!user || /^USER\s+(root|0)(:|\s|$)/i.test(user))
      problem(where, 'the runtime stage must switch to a non-root USER');
    // Installs: only this package's closure, cut out of the root lock by scripts/prune-lock.mjs: production
    // dependencies (--prod, npm ci --omit=dev) for the runtime, plus the compiler and types (--dev-only) for the
    // build; never every devDependency of the workspace (jest, testcontainers...), never an unlocked npm install.
    const joined = text.replace(/\\\n/g, ' ');
    const installs = joined.split('\n').filter((l) => /^\s*RUN\s/.test(l) && /\bnpm\s+(ci|install|i)\b/.test(l));
    if (!installs.some((l) => /npm ci\b.*--omit=dev/.test(l)))
      problem(where, 'must install production dependencies with npm ci --omit=dev');
    if (!new RegExp(`prune-lock\\.mjs ${folder} --prod\\b`).test(joined))
      problem(
        where,
        `must prune the root lock to ${folder}'s production closure (scripts/prune-lock.mjs ${folder} --prod)`,
      );
    if (!new RegExp(`prune-lock\\.mjs ${folder} --dev-only '\\^\\(typescript\\|@types/\\.\\*\\)\\$'`).test(joined))
      problem(
        where,
        `the build closure may add only the compiler and types (prune-lock.mjs ${folder} --dev-only '^(typescript|@types/.*)$')`,
      );
    for (const l of installs) {
      if (/npm (install|i)\b/.test(l)) problem(where, 'no npm install: every install is npm ci from a pruned lock');
    }
    if (finalStage.some((l) => /npm (install|i)\b/.test(l)))
      problem(where, 'the runtime stage must not install build tools');
    if (!finalStage.some((l) => /^ENV\s.*NODE_ENV=production/.test(l)))
      problem(where, 'the runtime stage must set NODE_ENV=production');
    if (folder !== 'db' && !finalStage.some((l) => /^HEALTHCHECK\s.*\/health/.test(l) || /^CMD \[.*\/health/.test(l))) {
      if (!text.includes('/health')) problem(where, 'needs a HEALTHCHECK on /health');
    }
    if (folder !== 'db' && !finalStage.some((l) => /^HEALTHCHECK\s/i.test(l))) problem(where, 'needs a HEALTHCHECK');
    if (
      !new RegExp(`^# From the repository root: docker build -f ${folder}/Dockerfile `, 'm').test(text) &&
      folder !== 'db'
    )
      problem(where, `must say how it is built: from the repository root with -f ${folder}/Dockerfile`);
  }
  // Images build from the repository root: one .dockerignore there keeps what must never reach a context out.
  const ignore = path.join(ROOT, '.dockerignore');
  const ignored = existsSync(ignore)
    ? readFileSync(ignore, 'utf8')
        .split('\n')
        .map((l) => l.trim())
    : [];
  for (const entry of ['**/node_modules', '**/dist', '.env*', '.dev-keys']) {
    if (!ignored.includes(entry)) problem('.dockerignore', `must exist at the root and list ${entry}`);
  }
}
