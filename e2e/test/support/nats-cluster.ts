import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@ebs/test-support';
import { type ClusterInfo, connect, type JetStreamManager, type NatsConnection } from 'nats';
import { canConnect, natsServerBinary, Proc } from './stack';

// A JetStream cluster of real nats-server processes on loopback, each with its own client and cluster port and
// its own store, so a node can be SIGKILLed and started again with the same name, ports and store (it rejoins
// the cluster and catches up, as a restarted pod with its volume does).

export type NatsNode = {
  /** The server name (`-n`), as JetStream reports leaders and replicas. */
  name: string;
  /** nats://127.0.0.1:<client port> */
  url: string;
  /** http://127.0.0.1:<monitoring port> (`/connz`, `/jsz`, ...). */
  monitorUrl: string;
  proc: Proc;
};

/** The servers that hold a stream (or consumer): its leader and its replicas, with how each of them is doing. */
export type Placement = {
  leader: string | undefined;
  /** Every server that holds it, leader first. */
  peers: string[];
  /** The followers as the leader reports them (current: caught up; offline: unreachable). */
  replicas: NonNullable<ClusterInfo['replicas']>;
};

export function placementOf(cluster: ClusterInfo | undefined): Placement {
  const replicas = cluster?.replicas ?? [];
  const leader = cluster?.leader || undefined;
  return { leader, peers: [...(leader ? [leader] : []), ...replicas.map((r) => r.name)], replicas };
}

export type NatsCluster = {
  nodes: NatsNode[];
  /** NATS_URL for the services: every server, comma-separated. */
  url: string;
  node: (name: string) => NatsNode;
  /** SIGKILLs one server (no goodbye to its routes or clients, as a lost machine). */
  kill: (name: string) => Promise<void>;
  /** Starts a killed server again on its ports and store; resolves once it takes clients. */
  restart: (name: string) => Promise<void>;
  /** Runs fn with a JetStream manager connected to the servers that are running now (a fresh connection). */
  withJsm: <T>(fn: (jsm: JetStreamManager) => Promise<T>) => Promise<T>;
  /** The servers (up now) a client named `clientName` (its connection name) is connected to. */
  serversOf: (clientName: string) => Promise<string[]>;
  /** Where a stream lives now; rejects while no server answers for it (e.g. during an election). */
  streamPlacement: (stream: string) => Promise<Placement>;
  consumerPlacement: (stream: string, durable: string) => Promise<Placement>;
  /** Asks a consumer's leader to step down (JetStream elects another); resolves with the placement after it. */
  stepDownConsumer: (stream: string, durable: string) => Promise<Placement>;
  /** Asks a stream's leader to step down (JetStream elects another); resolves with the placement after it. */
  stepDownStream: (stream: string) => Promise<Placement>;
  /** The JetStream meta leader (the server that places streams and consumers), as a running server sees it. */
  metaLeader: () => Promise<string | undefined>;
  /** Polls until check answers something other than undefined (errors count as "not yet"); rejects past timeoutMs. */
  waitFor: <T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>) => Promise<T>;
  stop: () => Promise<void>;
};

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/**
 * Starts `size` clustered nats-servers with JetStream and resolves once JetStream answers (a meta leader is
 * elected), so a stream can be created at once.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const bin = natsServerBinary();
  const id = randomBytes(3).toString('hex');
  const clusterName = `ebs-e2e-${id}`;
  const ports = await distinctFreePorts(size * 3);
  const specs = Array.from({ length: size }, (_, i) => ({
    name: `n${i + 1}-${id}`,
    clientPort: ports[3 * i] as number,
    routePort: ports[3 * i + 1] as number,
    monitorPort: ports[3 * i + 2] as number,
    storeDir: mkdtempSync(path.join(os.tmpdir(), `ebs-e2e-nats-n${i + 1}-`)),
  }));
  const nodes: NatsNode[] = specs.map((s) => {
    const routes = specs
      .filter((o) => o !== s)
      .map((o) => `nats://127.0.0.1:${o.routePort}`)
      .join(',');
    const args = [
      ...['-a', '127.0.0.1', '-p', String(s.clientPort), '-m', String(s.monitorPort), '-n', s.name],
      ...['-js', '-sd', s.storeDir],
      ...['--cluster_name', clusterName, '--cluster', `nats://127.0.0.1:${s.routePort}`, '--routes', routes],
    ];
    return {
      name: s.name,
      url: `nats://127.0.0.1:${s.clientPort}`,
      monitorUrl: `http://127.0.0.1:${s.monitorPort}`,
      proc: new Proc(`nats ${s.name}`, s.clientPort, bin, args, {}),
    };
  });
  const takesClients = (n: NatsNode) => () => canConnect('127.0.0.1', n.proc.port);
  const removeStores = () => {
    for (const s of specs) rmSync(s.storeDir, { recursive: true, force: true });
  };

  const node = (name: string) => {
    const n = nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no server named ${name} in this cluster (${nodes.map((x) => x.name).join(', ')})`);
    return n;
  };

  async function withConnection<T>(fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
    const up = nodes.filter((n) => n.proc.running).map((n) => n.url);
    const nc = await connect({ servers: up, timeout: 1_000, maxReconnectAttempts: 0 });
    try {
      return await fn(nc);
    } finally {
      await nc.close();
    }
  }
  const withJsm = <T>(fn: (jsm: JetStreamManager) => Promise<T>) =>
    withConnection(async (nc) => fn(await nc.jetstreamManager({ timeout: 2_000 })));
  const consumerPlacement = (stream: string, durable: string) =>
    withJsm(async (jsm) => placementOf((await jsm.consumers.info(stream, durable)).cluster));
  const streamPlacement = (stream: string) =>
    withJsm(async (jsm) => placementOf((await jsm.streams.info(stream)).cluster));

  /**
   * Asks for a leader step-down on a JetStream API subject and waits until another server leads (placement
   * reads it); rejects at once when JetStream answers with an error.
   */
  async function stepDown(subject: string, what: string, placement: () => Promise<Placement>): Promise<Placement> {
    const before = await placement();
    const reply = await withConnection((nc) => nc.request(subject, undefined, { timeout: 2_000 }));
    const answer = reply.json<{ success?: boolean; error?: { code: number; description: string } }>();
    if (answer.error) throw new Error(`${subject} refused: ${answer.error.code} ${answer.error.description}`);
    return waitFor(`a new leader of ${what}`, 20_000, async () => {
      const p = await placement();
      return p.leader !== undefined && p.leader !== before.leader ? p : undefined;
    });
  }

  async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      try {
        const v = await check();
        if (v !== undefined) return v;
        last = 'not yet';
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${last})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const stop = async () => {
    await Promise.all(nodes.map((n) => n.proc.stop('SIGKILL')));
    removeStores();
  };

  try {
    await Promise.all(nodes.map((n) => n.proc.start(takesClients(n))));
    // JetStream answers an account info request only once the servers agree on a meta leader.
    await waitFor('the JetStream meta leader', 20_000, () => withJsm((jsm) => jsm.getAccountInfo()));
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    nodes,
    url: nodes.map((n) => n.url).join(','),
    node,
    kill: async (name) => {
      await node(name).proc.stop('SIGKILL');
    },
    restart: async (name) => {
      const n = node(name);
      await n.proc.start(takesClients(n));
    },
    withJsm,
    serversOf: async (clientName) => {
      const up = nodes.filter((n) => n.proc.running);
      const found = await Promise.all(
        up.map(async (n) => {
          const connz = (await (await fetch(`${n.monitorUrl}/connz?limit=1024`)).json()) as {
            connections?: Array<{ name?: string }>;
          };
          return connz.connections?.some((c) => c.name === clientName) ? n.name : undefined;
        }),
      );
      return found.filter((n): n is string => n !== undefined);
    },
    streamPlacement,
    consumerPlacement,
    stepDownConsumer: (stream, durable) =>
      stepDown(`$JS.API.CONSUMER.LEADER.STEPDOWN.${stream}.${durable}`, `consumer ${durable}`, () =>
        consumerPlacement(stream, durable),
      ),
    stepDownStream: (stream) =>
      stepDown(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, `stream ${stream}`, () => streamPlacement(stream)),
    metaLeader: async () => {
      const up = nodes.find((n) => n.proc.running);
      if (!up) return undefined;
      const jsz = (await (await fetch(`${up.monitorUrl}/jsz`)).json()) as { meta_cluster?: { leader?: string } };
      return jsz.meta_cluster?.leader || undefined;
    },
    waitFor,
    stop,
  };
}
