import type { Express } from 'express';

/** One route the app answers: method in upper case, path in Express form (`/events/:id`). */
export type RouteEntry = { method: string; path: string };

type Layer = {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
};

const routesByApp = new WeakMap<Express, { entry: RouteEntry; pattern: RegExp }[]>();

/** Every method + path the app's routers define, found by walking Express's router stack. */
export function listRoutes(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '', out);
  return out;
}

function walk(stack: Layer[], prefix: string, out: RouteEntry[]): void {
  for (const layer of stack) {
    if (layer.route && typeof layer.route.path === 'string') {
      const path = joinPath(prefix, layer.route.path);
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.push({ method: method.toUpperCase(), path });
      }
    } else if (layer.handle?.stack) {
      walk(layer.handle.stack, joinPath(prefix, typeof layer.rawPath === 'string' ? layer.rawPath : '/'), out);
    }
  }
}

function joinPath(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/**
 * The route template a request matched (`/events/:id`, never the raw id), or `unmatched`, so a metric label
 * can never take a value a client made up.
 */
export function routeTemplate(app: Express, method: string, path: string): string {
  let routes = routesByApp.get(app);
  if (!routes) {
    routes = listRoutes(app).map((entry) => ({
      entry,
      pattern: new RegExp(`^${entry.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}/?$`),
    }));
    routesByApp.set(app, routes);
  }
  const m = method === 'HEAD' ? 'GET' : method;
  return routes.find((r) => r.entry.method === m && r.pattern.test(path))?.entry.path ?? 'unmatched';
}
