import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { AppError } from '../errors/app-error';

// What every request passes before any route: security headers, 405 for a known path with a wrong method,
// UTF-8 JSON bodies only, then the JSON parser (100 kB, lone UTF-16 surrogates refused).

/** The middlewares in order; app.ts mounts them right after the request context. */
export function httpEdge(): RequestHandler[] {
  return [
    helmet(),
    methodNotAllowed,
    jsonBodiesOnly,
    express.json({ limit: '100kb', type: ['application/json', 'application/*+json'], reviver: refuseLoneSurrogates }),
  ];
}

type Layer = {
  /** router 2.x: the match (with the matched part of the path) or false. */
  match: (path: string) => { path: string } | false;
  route?: { methods: Record<string, boolean | undefined> };
  handle?: { stack?: unknown };
};

/**
 * The methods the app serves at `path`, found by walking express's router stacks (routers mounted with
 * app.use included), as express itself matches them. GET implies HEAD.
 */
export function allowedMethods(stack: unknown, path: string, into = new Set<string>()): Set<string> {
  if (!Array.isArray(stack)) return into;
  for (const layer of stack as Layer[]) {
    const matched = typeof layer.match === 'function' ? layer.match(path) : false;
    if (!matched) continue;
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') into.add(method.toUpperCase());
      }
      if (layer.route.methods.get) into.add('HEAD');
    } else if (layer.handle && Array.isArray(layer.handle.stack)) {
      // A mounted router sees the path with its mount point (the matched part) stripped.
      allowedMethods(layer.handle.stack, path.slice(matched.path.length) || '/', into);
    }
  }
  return into;
}

/**
 * allowedMethods of recent paths, per app: walking every router layer again for each request cost a few per
 * cent of a service's CPU under load, where most requests ask for a few paths (one event, POST /bookings).
 * Routes are all added before an app serves, so an answer stays right; the count bounds the memory.
 */
const ALLOWED_MEMO_MAX = 1_000;
const allowedMemo = new WeakMap<object, Map<string, Set<string>>>();

function allowedAt(app: object, path: string): Set<string> {
  let memo = allowedMemo.get(app);
  if (!memo) {
    memo = new Map();
    allowedMemo.set(app, memo);
  }
  let allowed = memo.get(path);
  if (!allowed) {
    allowed = allowedMethods((app as { router: { stack: unknown } }).router.stack, path);
    if (memo.size >= ALLOWED_MEMO_MAX) memo.delete(memo.keys().next().value as string);
    memo.set(path, allowed);
  }
  return allowed;
}

/** A known path asked with a method it does not serve (OPTIONS included): 405 with Allow. */
const methodNotAllowed: RequestHandler = (req, _res, next) => {
  const allowed = allowedAt(req.app, req.path);
  if (allowed.size === 0 || allowed.has(req.method)) {
    next();
    return;
  }
  const allow = [...allowed].sort().join(', ');
  throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; allowed: ${allow}`, {
    headers: { Allow: allow },
  });
};

const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9!#$&^_.-]+\+)?json$/;

/**
 * A request with a body must say it is JSON (application/json or application/*+json) in UTF-8 (charset
 * absent or utf-8); anything else is 415, before a byte of it is decoded.
 */
const jsonBodiesOnly: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) {
    next();
    return;
  }
  const [mediaType = '', ...params] = (req.headers['content-type'] ?? '').split(';');
  if (!JSON_MEDIA_TYPE.test(mediaType.trim().toLowerCase())) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be JSON (Content-Type: application/json)');
  }
  for (const param of params) {
    const [name = '', value = ''] = param.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be UTF-8 JSON (charset=utf-8 or none)');
    }
  }
  next();
};

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** JSON.parse reviver: a lone surrogate ("\ud800") would be stored as U+FFFD, so the body is refused instead. */
function refuseLoneSurrogates(key: string, value: unknown): unknown {
  if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value))) {
    throw new SyntaxError('lone UTF-16 surrogate in a JSON string');
  }
  return value;
}
