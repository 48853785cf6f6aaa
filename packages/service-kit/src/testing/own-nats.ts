import { rmSync } from 'node:fs';
import { type OwnServer, startOwnNats } from '@ebs/test-support';

/**
 * A nats-server of the tests' own (for tests that stop, pause and restart it), started before the file's first
 * test or before each test, stopped after it with its JetStream store removed.
 */
export function ownNats(scope: 'file' | 'test'): OwnServer & { storeDir: string } {
  const nats = {} as OwnServer & { storeDir: string };
  const [before, after] = scope === 'file' ? [beforeAll, afterAll] : [beforeEach, afterEach];
  before(async () => {
    Object.assign(nats, await startOwnNats());
  });
  after(async () => {
    await nats.stop();
    rmSync(nats.storeDir, { recursive: true, force: true });
  });
  return nats;
}
