// Production's NATS: three servers in one JetStream cluster (routes over the headless Service, one name each, on
// distinct nodes), probes that do not restart a server during a quorum loss or a catch-up, and clients that list
// all three servers.
import { problem, SERVICES, USES } from './context.mjs';
import { envOf, HOSTNAME_KEY, NATS_CLUSTER_SIZE, podOf } from './k8s-view.mjs';

export function checkNatsCluster({ prod, find, cm, argsOf, natsSet, W, at }) {
  const nats = argsOf('nats');
  const natsReplicas = natsSet?.spec?.replicas ?? 1;
  // Production: three NATS servers in one JetStream cluster (routes over the headless Service), stream replicas 3.
  let natsHosts = null;
  if (prod) {
    const svcName = natsSet?.spec?.serviceName;
    const headless = find('Service', svcName);
    natsHosts = Array.from({ length: NATS_CLUSTER_SIZE }, (_, i) => `nats-${i}.${svcName}`);
    if (natsReplicas !== NATS_CLUSTER_SIZE)
      problem(at(natsSet), `replicas must be ${NATS_CLUSTER_SIZE} (a JetStream cluster that survives losing one)`);
    if (cm?.data?.NATS_STREAM_REPLICAS !== String(NATS_CLUSTER_SIZE))
      problem(`${W} ConfigMap/ebs-config`, `NATS_STREAM_REPLICAS must be "${NATS_CLUSTER_SIZE}" (one copy per server)`);
    if (
      headless?.spec?.clusterIP !== 'None' ||
      headless?.spec?.selector?.app !== 'nats' ||
      !(headless?.spec?.ports ?? []).some((p) => p.port === 6222)
    )
      problem(
        at(natsSet),
        `serviceName ${svcName} must be a headless Service (clusterIP None) selecting app nats with port 6222 (routes)`,
      );
    const flag = (...names) => {
      const i = nats.args.findIndex((a) => names.includes(a));
      return i >= 0 ? String(nats.args[i + 1] ?? '') : undefined;
    };
    if (!flag('--cluster_name')) problem(`${W} nats`, 'must name its cluster (--cluster_name)');
    if (!/:6222$/.test(flag('--cluster', '--cluster_listen') ?? ''))
      problem(`${W} nats`, 'must listen for routes on 6222 (--cluster nats://0.0.0.0:6222)');
    const routes = (flag('--routes') ?? '').split(',').map((r) => r.trim());
    for (const host of natsHosts)
      if (
        !routes.some((r) =>
          new RegExp(`^nats(-route)?://([^@/]*@)?${host.replace(/\./g, '\\.')}(\\.[a-z0-9.-]+)?:6222$`).test(r),
        )
      )
        problem(`${W} nats`, `--routes must list nats://${host}:6222`);
    const serverName = flag('--name', '-n', '--server_name');
    const podNameVar = serverName?.match(/^\$\(([A-Z0-9_]+)\)$/)?.[1];
    if (envOf(nats.c, podNameVar)?.valueFrom?.fieldRef?.fieldPath !== 'metadata.name')
      problem(`${W} nats`, 'each server needs its own name: --name $(POD_NAME), POD_NAME from fieldRef metadata.name');
    const anti =
      natsSet?.spec?.template?.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    if (!anti.some((t) => t.topologyKey === HOSTNAME_KEY && t.labelSelector?.matchLabels?.app === 'nats'))
      problem(at(natsSet), `its servers must be on distinct nodes (required podAntiAffinity on ${HOSTNAME_KEY})`);
    // Probes: the full /healthz fails while a clustered server has no meta leader or a stream copy is catching up.
    // As liveness it would restart the surviving servers during a quorum loss and kill a server catching up; it
    // belongs in the startupProbe (not started, not Ready, until caught up), liveness asks for JetStream only.
    const fullHealthz = (probe) => /^\/healthz\/?$/.test(probe?.httpGet?.path ?? '');
    const live = nats.c.livenessProbe;
    if (!live || fullHealthz(live) || !/^\/healthz\?js-(enabled|server)-only=true$/.test(live.httpGet?.path ?? ''))
      problem(
        `${W} nats`,
        'livenessProbe must GET /healthz?js-enabled-only=true, not the full /healthz (it fails during a quorum loss or a catch-up)',
      );
    if (!fullHealthz(nats.c.startupProbe))
      problem(`${W} nats`, 'needs a startupProbe on the full /healthz (not started, not Ready, until caught up)');
    // The clients: the ConfigMap names the three servers; each NATS client's own NATS_URL (with credentials) too.
    const hostsOf = (url) =>
      String(url ?? '')
        .split(',')
        .map((u) => u.trim().match(/^nats:\/\/(?:[^@/]*@)?([^:/]+):4222$/)?.[1]);
    const sameServers = (url) => {
      const hosts = hostsOf(url);
      return hosts.length === natsHosts.length && natsHosts.every((h) => hosts.includes(h));
    };
    if (!sameServers(cm?.data?.NATS_URL))
      problem(
        `${W} ConfigMap/ebs-config`,
        `NATS_URL must list the ${NATS_CLUSTER_SIZE} servers: ${natsHosts.map((h) => `nats://${h}:4222`).join(',')}`,
      );
    for (const svc of SERVICES.filter((s) => USES[s].includes('nats'))) {
      const main = (podOf(find('Deployment', svc)).containers ?? []).find((c) => c.name === svc);
      if (main && !sameServers(envOf(main, 'NATS_URL')?.value))
        problem(
          `${W} Deployment/${svc}`,
          `NATS_URL must list the ${NATS_CLUSTER_SIZE} servers ${natsHosts.join(', ')}`,
        );
    }
  }
}
