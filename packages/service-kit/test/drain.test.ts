import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { sendOn } from '../src/testing/http-edge-suite';

/**
 * A process that serves as a service does (the kit's build: installShutdown over a plain server), with a route
 * that answers after `slowMs`, and a drain of `drainMs`. Resolves with its port once it listens.
 */
function startServer(slowMs: number, drainMs: number) {
  const dist = path.resolve(__dirname, '..', 'dist');
  const script = `
    const http = require('node:http');
    const express = require(${JSON.stringify(require.resolve('express'))});
    const { installShutdown } = require(${JSON.stringify(path.join(dist, 'lifecycle'))});
    const { createLogger } = require(${JSON.stringify(path.join(dist, 'observability'))});
    const app = express();
    app.get('/slow', (_req, res) => { console.log('serving'); setTimeout(() => res.json({ ok: true }), ${slowMs}); });
    const server = http.createServer({ keepAliveTimeout: 65000 }, app);
    installShutdown({ logger: createLogger('drain-test', 'silent'), server, app, steps: [], drainMs: ${drainMs},
      shutdownTimeoutMs: 5000 });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));
  `;
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  proc.stdout.on('data', (c: Buffer) => {
    lines.push(...String(c).split('\n').filter(Boolean));
    for (const w of waiters.splice(0)) w();
  });
  /** Resolves with the first line printed that matches. */
  const printed = async (match: RegExp): Promise<string> => {
    for (;;) {
      const line = lines.find((l) => match.test(l));
      if (line !== undefined) return line;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { proc, port: printed(/^\d+$/).then(Number), printed, exited };
}

describe('drain', () => {
  test('when a request is in progress as SIGTERM arrives, then its answer says Connection: close and the socket closes after it', async () => {
    const server = startServer(800, 200);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const port = await server.port;
      const answer = sendOn(agent, `http://127.0.0.1:${port}`, '/slow');
      await server.printed(/^serving$/);
      server.proc.kill('SIGTERM');
      // Answered after the 200 ms drain ended: a keep-alive answer would leave the socket open past server.close().
      const res = await answer;
      expect(res.status).toBe(200);
      expect(res.headers.connection).toBe('close');
      expect(await res.socketClosed).toBe(true);
      expect(await server.exited).toBe(0);
    } finally {
      agent.destroy();
      server.proc.kill('SIGKILL');
    }
  });
});
