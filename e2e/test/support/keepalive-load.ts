import http from 'node:http';

// Steady keep-alive load: `loops` clients, each sending one request after another (no pause) through ONE
// keep-alive agent, as a service's HTTP client pool would, until stopped. Every outcome is kept: the status,
// or the socket error's code when no response came, and whether that request went out on a reused socket (Node's
// req.reusedSocket: set when the agent had a free socket at once, not when the request waited in its queue).

export type LoadRequest = { path: string; json: unknown; headers: Record<string, string> };

export type LoadError = { atMs: number; code: string; reusedSocket: boolean };

export type LoadSummary = {
  requests: number;
  durationMs: number;
  /** status -> count */
  statuses: Map<number, number>;
  /** Requests that got no response at all (ECONNRESET, socket hang up, timeouts, ...). */
  errors: LoadError[];
  /** The ids of the 201 answers, in order. */
  created: string[];
  /** A few answers other than 201/409, for the failure message. */
  unexpected: Array<{ status: number; text: string }>;
};

export type KeepAliveLoad = {
  /** Resolves once `n` more requests have been answered (with any status) than when it was called. */
  answered: (n: number, timeoutMs?: number) => Promise<void>;
  /** Stops every loop after its request in hand, closes the agent's sockets; the summary (again when called again). */
  stop: () => Promise<LoadSummary>;
};

/** The id of a 201's body; undefined when the body is not a booking (then it is reported as unexpected). */
function idOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

export function startKeepAliveLoad(opts: {
  baseUrl: string;
  loops: number;
  /** The request of loop `loop`'s `n`-th iteration. */
  request: (loop: number, n: number) => LoadRequest;
  timeoutMs?: number;
}): KeepAliveLoad {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.loops });
  const started = Date.now();
  const summary: LoadSummary = {
    requests: 0,
    durationMs: 0,
    statuses: new Map(),
    errors: [],
    created: [],
    unexpected: [],
  };
  let stopped = false;
  let finished: Promise<LoadSummary> | undefined;
  let answeredCount = 0;

  const send = (r: LoadRequest) =>
    new Promise<void>((resolve) => {
      const payload = JSON.stringify(r.json);
      // One outcome per request: an answer, or an error (never both).
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        answeredCount++;
        resolve();
        return true;
      };
      const req = http.request(
        `${opts.baseUrl}${r.path}`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(payload)),
            ...r.headers,
          },
          timeout: opts.timeoutMs ?? 20_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (settled) return;
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString();
            summary.statuses.set(status, (summary.statuses.get(status) ?? 0) + 1);
            const id = status === 201 ? idOf(text) : undefined;
            if (id !== undefined) summary.created.push(id);
            else if (status !== 409 && summary.unexpected.length < 10) summary.unexpected.push({ status, text });
            settle();
          });
          res.on('error', (err) => fail(err));
        },
      );
      const fail = (err: Error) => {
        const code = (err as NodeJS.ErrnoException).code ?? err.message;
        if (settle()) summary.errors.push({ atMs: Date.now() - started, code, reusedSocket: req.reusedSocket });
      };
      req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', fail);
      req.end(payload);
    });

  const loops = Array.from({ length: opts.loops }, async (_, loop) => {
    for (let n = 0; !stopped; n++) {
      summary.requests++;
      await send(opts.request(loop, n));
    }
  });

  return {
    answered: async (n, timeoutMs = 20_000) => {
      const target = answeredCount + n;
      const deadline = Date.now() + timeoutMs;
      while (answeredCount < target) {
        if (Date.now() > deadline) throw new Error(`load: ${n} answers did not come within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => {
      finished ??= (async () => {
        stopped = true;
        await Promise.all(loops);
        summary.durationMs = Date.now() - started;
        agent.destroy();
        return summary;
      })();
      return finished;
    },
  };
}
