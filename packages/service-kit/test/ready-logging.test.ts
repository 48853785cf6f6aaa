import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { requestContext } from '../src/http/request-context';
import { healthRouter } from '../src/lifecycle/health';

// Under Kubernetes /ready is probed every few seconds: a MySQL outage must not log a warning per probe.
describe('/ready in the logs', () => {
  test('when /ready turns 503, stays so and recovers, then it warns once, logs the rest at debug and says when it is ready again', async () => {
    const lines: Array<{ level: number; msg: string; status?: number }> = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    let mysqlUp = true;
    const app = express();
    app.use(requestContext(logger));
    app.use(
      healthRouter([
        {
          name: 'mysql',
          required: true,
          check: async () => {
            if (!mysqlUp) throw new Error('down');
          },
        },
      ]),
    );
    const probe = async (status: number) => void (await request(app).get('/ready').expect(status));

    await probe(200);
    mysqlUp = false;
    await probe(503);
    await probe(503);
    await probe(503);
    mysqlUp = true;
    await probe(200);
    await probe(200);

    expect(lines.map((l) => [l.status, l.level, l.msg])).toEqual([
      [200, 20, 'request done'],
      [503, 40, 'not ready'],
      [503, 20, 'still not ready'],
      [503, 20, 'still not ready'],
      [200, 30, 'ready again'],
      [200, 20, 'request done'],
    ]);
  });
});
