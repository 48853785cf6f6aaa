import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServiceProcess } from './support/service-process';

describe('the service process', () => {
  test('when started, then it serves and on SIGTERM stops its consumer, drains NATS and exits 0', async () => {
    const svc = await startServiceProcess();
    const res = await fetch(`${svc.url}/notifications?limit=1`);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300)); // let the consumer start
    svc.proc.kill('SIGTERM');
    expect((await svc.exited).code).toBe(0);
    const steps = svc.logs.map((l) => l.msg);
    expect(steps).toContain('shutdown complete');
    expect(svc.logs.some((l) => l.level === 50)).toBe(false); // no step failed
  });

  test('when NATS_ACK_WAIT_MS is invalid, then the service stops at start naming it', async () => {
    const main = path.resolve(__dirname, '..', 'dist', 'main.js');
    const run = promisify(execFile)(process.execPath, [main], { env: { ...process.env, NATS_ACK_WAIT_MS: 'soon' } });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('NATS_ACK_WAIT_MS') });
  });
});
