// Docs that cannot drift from the code (issue 28): each check returns a list of problems, empty when they agree.
//   checkErrorTable        docs/api.md's "## Errors" table vs ERROR_STATUS (packages/service-kit/src/errors/app-error.ts)
//   checkConfigurationDoc  docs/configuration.md vs every variable the code reads (the services' config.ts with the
//                          kit's env schemas they spread in, db/src/config.ts)
//   checkOpenApiExamples   every example of the four OpenAPI documents against its own schema, and the access rules:
//                          a request example a customer would get 403 for (a userId) fails, and so does a body
//                          with a userId but no example of its own (Swagger UI would make one with a userId)
//   checkReadme            README.md stays a five-minute read: at most 250 lines, the quick start's three commands
//   checkLinks             every relative link of README.md and docs/*.md names a file that exists (and a heading
//                          of it, for #anchors), so moving a section cannot leave a link behind
// node --test scripts/ runs them (scripts/check-docs.test.mjs); `node scripts/check-docs.mjs` prints the problems.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { isMain } from './run-as-main.mjs';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const read = (file) => readFileSync(path.join(root, file), 'utf8');
export const SERVICES = ['user-service', 'event-service', 'booking-service', 'notification-service'];

// --- docs/api.md's error table -----------------------------------------------------------------------------

/** { CODE: status } of `export const ERROR_STATUS = { ... }` in the kit's source. */
export function errorStatusOfCode(source = read('packages/service-kit/src/errors/app-error.ts')) {
  const body = source.match(/export const ERROR_STATUS = \{([\s\S]*?)\n\}/)?.[1];
  if (!body) throw new Error('ERROR_STATUS not found in app-error.ts');
  return Object.fromEntries([...body.matchAll(/^\s*([A-Z_]+):\s*(\d{3}),/gm)].map((m) => [m[1], Number(m[2])]));
}

/** { CODE: status } of the table under "## Errors" in docs/api.md (rows `| \`CODE\` | 409 | ... |`). */
export function errorTableOfDoc(markdown = read('docs/api.md')) {
  const section = markdown.split(/^## Errors\s*$/m)[1]?.split(/^## /m)[0];
  if (section === undefined) throw new Error('docs/api.md has no "## Errors" section');
  const rows = [...section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)];
  return Object.fromEntries(rows.map((m) => [m[1], Number(m[2])]));
}

export function checkErrorTable(markdown = read('docs/api.md'), source = undefined) {
  const code = errorStatusOfCode(source);
  const doc = errorTableOfDoc(markdown);
  const problems = [];
  for (const [c, status] of Object.entries(code)) {
    if (!(c in doc)) problems.push(`docs/api.md's error table lacks ${c} (${status})`);
    else if (doc[c] !== status) problems.push(`docs/api.md says ${c} is ${doc[c]}, the code answers ${status}`);
  }
  for (const c of Object.keys(doc))
    if (!(c in code)) problems.push(`docs/api.md lists ${c}, which ERROR_STATUS does not have`);
  return problems;
}

// --- docs/configuration.md vs the variables the code reads -------------------------------------------------

/** The files that read the environment: each config.ts, and the kit's modules declaring env schemas. */
export function configSources() {
  const files = [...SERVICES.map((s) => `${s}/src/config.ts`), 'db/src/config.ts'];
  const walk = (dir) =>
    readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? (d.name === 'testing' ? [] : walk(`${dir}/${d.name}`)) : [`${dir}/${d.name}`],
    );
  for (const f of walk('packages/service-kit/src'))
    if (f.endsWith('.ts') && /EnvSchema\s*=|process\.env/.test(read(f))) files.push(f);
  return files.filter((f) => existsSync(path.join(root, f)));
}

/** Map variable -> files: schema keys (`  NAME: z...` / `NAME?:`) and reads (`env.NAME`, `process.env.NAME`). */
export function envVarsOfCode(files = configSources(), readFile = read) {
  const vars = new Map();
  const add = (name, file) => vars.set(name, [...(vars.get(name) ?? []), file]);
  for (const file of files) {
    const s = readFile(file);
    for (const m of s.matchAll(/^\s+([A-Z][A-Z0-9_]{2,})\??\s*:/gm)) add(m[1], file);
    for (const m of s.matchAll(/\b(?:process\.env|env|e)\.([A-Z][A-Z0-9_]{2,})\b/g)) add(m[1], file);
    for (const m of s.matchAll(/\b(?:process\.env|env)\[['"]([A-Z][A-Z0-9_]{2,})['"]\]/g)) add(m[1], file);
  }
  return vars;
}

export function checkConfigurationDoc(markdown = read('docs/configuration.md'), vars = envVarsOfCode()) {
  const problems = [];
  for (const [name, files] of [...vars].sort())
    if (!markdown.includes(`\`${name}\``))
      problems.push(`docs/configuration.md does not mention \`${name}\` (read by ${[...new Set(files)].join(', ')})`);
  // The table's first column names only variables the code reads.
  for (const row of markdown.matchAll(/^\|([^|\n]*)\|/gm)) {
    for (const m of row[1].matchAll(/`([A-Z][A-Z0-9_]{2,})`/g))
      if (!vars.has(m[1])) problems.push(`docs/configuration.md lists \`${m[1]}\`, which no config reads`);
  }
  return problems;
}

// --- OpenAPI examples ----------------------------------------------------------------------------------------

/** The OpenAPI document of each service, from its build (`npm install` builds them). */
export function loadSpecs() {
  return Object.fromEntries(
    SERVICES.map((s) => {
      const built = path.join(root, s, 'dist', 'http', 'openapi.js');
      if (!existsSync(built)) throw new Error(`${s} is not built (${built} missing): run npm install at the root`);
      return [s, require(built).buildOpenApi()];
    }),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function validatorFor(doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('uuid', UUID);
  ajv.addFormat('date-time', (s) => !Number.isNaN(Date.parse(s)) && /T.*(Z|[+-]\d\d:\d\d)$/.test(s));
  ajv.addFormat('email', /^[^@\s]+@[^@\s]+\.[^@\s]+$/);
  ajv.addSchema({ ...doc, $id: 'doc' }, 'doc');
  return (pointer, value) => {
    const validate = ajv.compile({ $ref: `doc#${pointer}` });
    return validate(value) ? [] : validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
  };
}

const pointerKey = (key) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** Every `example` in the document: { pointer of the schema (or media type) it belongs to, value }. */
function examplesOf(doc) {
  const found = [];
  const walk = (node, pointer) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) walk(n, `${pointer}/${i}`);
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === 'example') found.push({ pointer, value: v, media: 'schema' in node && !('type' in node) });
      else if (k === 'examples' && !Array.isArray(v) && typeof v === 'object')
        for (const [name, ex] of Object.entries(v)) found.push({ pointer, value: ex?.value, media: true, name });
      else walk(v, `${pointer}/${pointerKey(k)}`);
    }
  };
  walk(doc, '');
  return found;
}

function resolve(doc, node) {
  let n = node;
  while (n?.$ref)
    n = n.$ref
      .slice(2)
      .split('/')
      .reduce((o, k) => o?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  return n;
}

export function checkOpenApiExamples(specs = loadSpecs()) {
  const problems = [];
  for (const [service, doc] of Object.entries(specs)) {
    const validate = validatorFor(doc);
    for (const ex of examplesOf(doc)) {
      const target = ex.media ? `${ex.pointer}/schema` : ex.pointer;
      for (const err of validate(target, ex.value))
        problems.push(
          `${service}: the example at ${ex.pointer}${ex.name ? ` (${ex.name})` : ''} fails its schema: ${err}`,
        );
    }
    for (const [p, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${service}: ${method.toUpperCase()} ${p}`;
        const media = op.requestBody?.content?.['application/json'];
        if (media) {
          const schema = resolve(doc, media.schema);
          const example = media.example ?? schema?.example;
          // A customer sending a userId other than their own is refused (403); the example cannot know theirs.
          if (schema?.properties?.userId && example === undefined)
            problems.push(`${where}: the body takes a userId but has no example (Swagger UI would send one: 403)`);
          if (example && typeof example === 'object' && 'userId' in example)
            problems.push(`${where}: the request example sends a userId, which a customer gets 403 for`);
        }
        const created = resolve(doc, op.responses?.['201']?.content?.['application/json']?.schema);
        if (created?.properties?.cancelledAt) {
          const example = op.responses['201'].content['application/json'].example ?? created.example;
          if (example === undefined)
            problems.push(`${where}: the 201 has no example (Swagger UI would show cancelledAt)`);
          else if ('cancelledAt' in example)
            problems.push(`${where}: the 201 example of a new booking has cancelledAt`);
        }
      }
    }
  }
  return problems;
}

// --- the README stays short ----------------------------------------------------------------------------------

export const README_MAX_LINES = 250;

export function checkReadme(markdown = read('README.md')) {
  const problems = [];
  const lines = markdown.trimEnd().split('\n').length;
  if (lines > README_MAX_LINES)
    problems.push(`README.md has ${lines} lines (at most ${README_MAX_LINES}): move the details into docs/`);
  for (const command of ['npm install', 'npm start', 'npm test'])
    if (!new RegExp(`^${command}\\b`, 'm').test(markdown))
      problems.push(`README.md's quick start lacks \`${command}\``);
  return problems;
}

// --- links ---------------------------------------------------------------------------------------------------

const withoutCode = (markdown) => markdown.replace(/^```[\s\S]*?^```/gm, '');
/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
export const anchorOf = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replaceAll(' ', '-');

export function checkLinks(files = ['README.md', ...readdirSync(path.join(root, 'docs')).map((f) => `docs/${f}`)]) {
  const problems = [];
  for (const file of files.filter((f) => f.endsWith('.md'))) {
    for (const m of withoutCode(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1];
      if (/^[a-z]+:/.test(link)) continue;
      const [target, anchor] = link.split('#');
      const resolved = target ? path.posix.normalize(path.posix.join(path.posix.dirname(file), target)) : file;
      if (!existsSync(path.join(root, resolved))) {
        problems.push(`${file}: the link ${link} names ${resolved}, which does not exist`);
        continue;
      }
      if (anchor && resolved.endsWith('.md')) {
        const headings = [...withoutCode(read(resolved)).matchAll(/^#+ (.*)$/gm)].map((h) => anchorOf(h[1]));
        if (!headings.includes(anchor))
          problems.push(`${file}: the link ${link}: ${resolved} has no heading #${anchor}`);
      }
    }
  }
  return problems;
}

if (isMain(import.meta.filename)) {
  const problems = [
    ...checkErrorTable(),
    ...checkConfigurationDoc(),
    ...checkOpenApiExamples(),
    ...checkReadme(),
    ...checkLinks(),
  ];
  for (const p of problems) console.error(p);
  if (problems.length > 0) process.exit(1);
  console.log('docs agree with the code: error table, configuration, OpenAPI examples, README length, links');
}
