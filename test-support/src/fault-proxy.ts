import net from 'node:net';

// A TCP proxy in front of MySQL for fault tests: it forwards the protocol's bytes both ways and, on demand, loses
// a server reply, the client's query, or everything, without telling either side (no FIN, no RST) unless asked.
// It reads the client's packets (3-byte length, sequence id, payload) to find its queries: a packet with sequence
// id 0 starts a command, and COM_QUERY (0x03) and COM_STMT_PREPARE (0x16) carry the SQL text (mysql2 sends
// START TRANSACTION, COMMIT and ROLLBACK as COM_QUERY). Neither TLS nor protocol compression is understood.

export type FaultProxyTarget = { host: string; port: number };

/** What happens to a connection once the reply to a matched query has been swallowed. */
export type AfterSwallow = 'drop' | 'silent';

export type FaultProxy = {
  /** The proxy listens on 127.0.0.1:port. */
  host: string;
  port: number;
  /**
   * Arms one fault: the next query (on any connection) whose SQL text matches `pattern` is forwarded, and the
   * server's reply to it is swallowed. Then (`after`, default 'drop') the connection is closed on both sides as soon
   * as that reply arrived (the server has done the statement; the client learns nothing of its outcome), or
   * ('silent') the connection forwards nothing more either way and is never closed (until heal or close).
   * With `on`, only a connection that sent a query matching `on` since the fault was armed is picked (e.g. the
   * COMMIT of the transaction that inserted bookings, not another one's). Resolves with the query's text once its
   * reply was swallowed.
   */
  swallowNextReplyAfter: (pattern: RegExp, opts?: { after?: AfterSwallow; on?: RegExp }) => Promise<string>;
  /**
   * Arms one fault: the next query whose SQL text matches `pattern` (on a connection that sent one matching `on`,
   * when given) is not forwarded, and its connection goes silent (the server never sees it; the client never hears
   * back). Resolves with the query's text.
   */
  silenceBefore: (pattern: RegExp, opts?: { on?: RegExp }) => Promise<string>;
  /** Server replies are discarded on every connection, open and new, until heal(); the client's bytes still go through. */
  dropReplies: () => void;
  /**
   * Nothing is forwarded either way on any connection, open or new, until heal(): new connections are accepted and
   * never answered, and no connection is closed (a partition, not a crash).
   */
  goSilent: () => void;
  /** Forwarding resumes for new connections; every connection a fault touched is closed on both sides. */
  heal: () => void;
  /** Client connections open now. */
  connections: () => number;
  /** Closes every connection and stops listening. */
  close: () => Promise<void>;
};

const COM_QUERY = 0x03;
const COM_STMT_PREPARE = 0x16;

type Armed = {
  pattern: RegExp;
  /** Only connections that sent a query matching this since the fault was armed (`marked`). */
  on?: RegExp;
  marked: Set<Link>;
  done: (text: string) => void;
} & ({ kind: 'reply'; after: AfterSwallow } | { kind: 'query' });

type Link = {
  client: net.Socket;
  server?: net.Socket;
  /** forward: as is; replies-dropped: server bytes lost; silent: nothing forwarded, nothing closed. */
  state: 'forward' | 'replies-dropped' | 'silent';
  /** Set when a fault touched the link: heal() closes it. */
  faulted: boolean;
  /** Client bytes not yet forwarded: an incomplete packet. */
  pending: Buffer;
  /** A swallowed reply: what to do when its first bytes come. */
  swallowing?: { after: AfterSwallow; text: string; done: (text: string) => void };
};

/** Starts a proxy on a free loopback port that forwards to `target`. */
export async function startFaultProxy(opts: { target: FaultProxyTarget }): Promise<FaultProxy> {
  const links = new Set<Link>();
  let mode: 'forward' | 'replies-dropped' | 'silent' = 'forward';
  let armed: Armed | undefined;

  const destroy = (link: Link) => {
    links.delete(link);
    link.client.destroy();
    link.server?.destroy();
  };

  function sqlText(payload: Buffer): string | undefined {
    const command = payload[0];
    if (command !== COM_QUERY && command !== COM_STMT_PREPARE) return undefined;
    // With CLIENT_QUERY_ATTRIBUTES (MySQL 8) a COM_QUERY starts with two length-encoded counts: skip such bytes.
    let start = 1;
    while (start < payload.length && (payload[start] as number) < 0x20) start++;
    return payload.subarray(start).toString('utf8');
  }

  function faultFor(link: Link, text: string): Armed | undefined {
    if (!armed) return undefined;
    if (armed.pattern.test(text) && (!armed.on || armed.marked.has(link))) return armed;
    if (armed.on?.test(text)) armed.marked.add(link);
    return undefined;
  }

  /** Client bytes: whole packets are forwarded one by one, each command's SQL checked against the armed fault. */
  function fromClient(link: Link, data: Buffer): void {
    if (link.state === 'silent') return;
    link.pending = link.pending.length === 0 ? data : Buffer.concat([link.pending, data]);
    while (link.pending.length >= 4) {
      const length = link.pending.readUIntLE(0, 3);
      if (link.pending.length < 4 + length) break;
      const packet = link.pending.subarray(0, 4 + length);
      link.pending = link.pending.subarray(4 + length);
      const text = packet[3] === 0 ? sqlText(packet.subarray(4)) : undefined;
      const fault = text === undefined ? undefined : faultFor(link, text);
      if (fault && text !== undefined) {
        armed = undefined;
        link.faulted = true;
        if (fault.kind === 'query') {
          link.state = 'silent';
          link.pending = Buffer.alloc(0);
          fault.done(text);
          return;
        }
        link.swallowing = { after: fault.after, text, done: fault.done };
        link.server?.write(packet);
        // Whatever the client sends after it is lost: the connection is as good as gone.
        link.state = 'silent';
        link.pending = Buffer.alloc(0);
        return;
      }
      link.server?.write(packet);
    }
  }

  function fromServer(link: Link, data: Buffer): void {
    if (link.swallowing) {
      const { after, text, done } = link.swallowing;
      link.swallowing = undefined;
      if (after === 'drop') {
        links.delete(link);
        link.client.resetAndDestroy();
        link.server?.destroy();
      }
      done(text);
      return;
    }
    if (link.state !== 'forward') return;
    link.client.write(data);
  }

  const server = net.createServer((client) => {
    const link: Link = { client, state: mode, faulted: mode !== 'forward', pending: Buffer.alloc(0) };
    links.add(link);
    client.setNoDelay(true);
    client.on('error', () => {});
    client.on('close', () => {
      // A partition hides the client's going from the server: only a forwarding link passes the close on.
      if (link.state === 'forward' && !link.swallowing) destroy(link);
    });
    client.on('data', (data: Buffer) => fromClient(link, data));
    if (link.state === 'silent') return;
    const upstream = net.connect(opts.target.port, opts.target.host);
    link.server = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => {});
    upstream.on('close', () => {
      if (link.state === 'forward' && !link.swallowing) destroy(link);
    });
    upstream.on('data', (data: Buffer) => fromServer(link, data));
  });
  server.on('error', () => {});
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );

  const setAll = (state: 'replies-dropped' | 'silent') => {
    mode = state;
    for (const link of links) {
      if (link.state === 'silent') continue;
      link.state = state;
      link.faulted = true;
    }
  };

  return {
    host: '127.0.0.1',
    port,
    swallowNextReplyAfter: (pattern, o = {}) =>
      new Promise((resolve) => {
        armed = { kind: 'reply', pattern, on: o.on, marked: new Set(), after: o.after ?? 'drop', done: resolve };
      }),
    silenceBefore: (pattern, o = {}) =>
      new Promise((resolve) => {
        armed = { kind: 'query', pattern, on: o.on, marked: new Set(), done: resolve };
      }),
    dropReplies: () => setAll('replies-dropped'),
    goSilent: () => setAll('silent'),
    heal: () => {
      mode = 'forward';
      for (const link of [...links]) if (link.faulted) destroy(link);
    },
    connections: () => links.size,
    close: async () => {
      armed = undefined;
      for (const link of [...links]) destroy(link);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
