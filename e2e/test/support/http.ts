import http from 'node:http';

export type HttpResult = { status: number; headers: http.IncomingHttpHeaders; body: unknown; text: string };

/**
 * One HTTP request on a connection of its own (no keep-alive pool), so a hundred concurrent requests are
 * a hundred concurrent connections, and a socket error is the request's own. `raw` sends a string or bytes as is.
 */
export function call(
  method: string,
  url: string,
  opts: { json?: unknown; raw?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = opts.raw ?? (opts.json === undefined ? undefined : JSON.stringify(opts.json));
    const req = http.request(
      url,
      {
        method,
        agent: false,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
        },
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export const post = (url: string, json: unknown, headers?: Record<string, string>) =>
  call('POST', url, { json, headers });
export const get = (url: string, headers?: Record<string, string>) => call('GET', url, { headers });

/** The result, or the socket error's code (ECONNREFUSED, ECONNRESET, ...) when no response came. */
export async function attempt(p: Promise<HttpResult>): Promise<HttpResult | { error: string }> {
  try {
    return await p;
  } catch (err) {
    return { error: (err as { code?: string }).code ?? (err as Error).message };
  }
}
