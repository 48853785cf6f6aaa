// Checks postman/collection.json against each service's OpenAPI document (built from the zod schemas the
// routes validate with), so the two cannot drift: every request's method + path must be an operation of the
// service its base URL names (or an unknown route the request expects a 404 from), its query parameters must
// be declared, the statuses it asserts must be documented, and every documented operation must be exercised
// by at least one request. Needs the services built (npm install does it).
//   node scripts/check-postman.mjs [collection.json]     exit 1 and a list of problems when they disagree
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isMain } from './run-as-main.mjs';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const SERVICES = {
  userUrl: 'user-service',
  eventUrl: 'event-service',
  bookingUrl: 'booking-service',
  notificationUrl: 'notification-service',
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The OpenAPI documents of the four services, by service folder. */
export const loadSpecs = () => Object.fromEntries(Object.values(SERVICES).map((s) => [s, specOf(s)]));

/** The OpenAPI document of one service, from its build. */
function specOf(service) {
  const built = path.join(root, service, 'dist', 'http', 'openapi.js');
  if (!existsSync(built)) throw new Error(`${service} is not built (${built} missing): run npm install at the root`);
  return require(built).buildOpenApi();
}

/** Postman items, folders flattened, each with the folder path in its name. */
function requests(items, prefix = '') {
  return items.flatMap((it) =>
    it.item ? requests(it.item, `${prefix}${it.name} / `) : [{ ...it, name: prefix + it.name }],
  );
}

const templateRegex = (p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`);

export function checkCollection(collection, specs) {
  const problems = [];
  const exercised = new Set();
  for (const item of requests(collection.item)) {
    const method = item.request.method.toLowerCase();
    const raw = typeof item.request.url === 'string' ? item.request.url : item.request.url.raw;
    const m = /^\{\{(\w+)\}\}(\/[^?#]*)?(?:\?([^#]*))?/.exec(raw);
    const service = m && SERVICES[m[1]];
    if (!service) {
      problems.push(
        `${item.name}: ${raw} does not start with one of ${Object.keys(SERVICES)
          .map((k) => `{{${k}}}`)
          .join(', ')}`,
      );
      continue;
    }
    const urlPath = m[2] ?? '/';
    const query = (m[3] ?? '')
      .split('&')
      .filter(Boolean)
      .map((kv) => decodeURIComponent(kv.split('=')[0]));
    const tests = (item.event ?? [])
      .filter((e) => e.listen === 'test')
      .flatMap((e) => e.script.exec)
      .join('\n');
    const statuses = [...tests.matchAll(/to\.have\.status\((\d{3})\)/g)].map((s) => s[1]);
    const spec = specs[service];
    const match = Object.entries(spec.paths).find(([p, ops]) => ops[method] && templateRegex(p).test(urlPath));
    if (!match) {
      // A deliberate request to an unknown route is fine when it expects the contract's 404.
      if (!statuses.includes('404') || Object.keys(spec.paths).some((p) => templateRegex(p).test(urlPath))) {
        problems.push(`${item.name}: ${method.toUpperCase()} ${urlPath} is not an operation of ${service}`);
      }
      continue;
    }
    const [specPath, ops] = match;
    const op = ops[method];
    exercised.add(`${service} ${method.toUpperCase()} ${specPath}`);
    const declared = new Set((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
    for (const q of query) {
      if (!declared.has(q)) problems.push(`${item.name}: query parameter "${q}" is not in the spec of ${specPath}`);
    }
    for (const s of statuses) {
      if (!op.responses[s])
        problems.push(`${item.name}: status ${s} is not a documented response of ${method.toUpperCase()} ${specPath}`);
    }
  }
  for (const [service, spec] of Object.entries(specs)) {
    for (const [p, ops] of Object.entries(spec.paths)) {
      for (const method of METHODS) {
        const key = `${service} ${method.toUpperCase()} ${p}`;
        if (ops[method] && !exercised.has(key)) problems.push(`no Postman request for ${key}`);
      }
    }
  }
  return problems;
}

if (isMain(import.meta.filename)) {
  const file = process.argv[2] ?? path.join(root, 'postman', 'collection.json');
  const problems = checkCollection(JSON.parse(readFileSync(file, 'utf8')), loadSpecs());
  if (problems.length > 0) {
    console.error(`postman/collection.json disagrees with the OpenAPI documents:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log('postman/collection.json agrees with the OpenAPI documents of the four services');
}
