import http from 'node:http';

/** Keep-alive HTTP client for load: one agent with up to `sockets` connections per host. */
export function createClient(sockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const request = (method: string, url: string, json?: unknown, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; ms: number; body: string }>((resolve) => {
      const started = process.hrtime.bigint();
      const payload = json === undefined ? undefined : JSON.stringify(json);
      const req = http.request(
        url,
        { method, agent, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              ms: Number(process.hrtime.bigint() - started) / 1e6,
              body: Buffer.concat(chunks).toString(),
            }),
          );
        },
      );
      req.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - started) / 1e6, body: '' }));
      if (payload) req.write(payload);
      req.end();
    });
  return { request, close: () => agent.destroy() };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export function countBy<T>(items: T[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[String(i)] = (out[String(i)] ?? 0) + 1;
  return out;
}
