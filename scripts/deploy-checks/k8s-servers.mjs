// The backing servers (MySQL, Redis, NATS): which run in the cluster (production: NATS only, MySQL and Redis are
// external services named in the Secret), their volumes, the credentials they require, the stream's replicas, and
// the services' URLs to them carrying those credentials.
import { problem, SERVICES, USES } from './context.mjs';
import { appOf, containersOf, envOf, podOf, secretRefs } from './k8s-view.mjs';

export function checkBackingServers({ prod, find, cm, workloads, workloadOf, inCluster, argsOf, natsSet, W, at }) {
  // In the cluster (Minikube): MySQL, Redis, NATS. Production: NATS only; MySQL and Redis are external services
  // whose addresses come from the Secret.
  if (prod) {
    for (const server of ['mysql', 'redis']) {
      if (inCluster[server])
        problem(
          at(workloadOf(server)),
          `no in-cluster ${server} in production: an external service named in the Secret`,
        );
      if (find('Service', server))
        problem(
          `${W} Service/${server}`,
          `no in-cluster ${server} in production: an external service named in the Secret`,
        );
    }
    // Every container that connects to MySQL takes its address from the Secret; Redis's whole URL likewise.
    for (const w of workloads.filter((x) => SERVICES.includes(appOf(x)) || appOf(x) === 'migrate'))
      for (const c of containersOf(w))
        if (
          secretRefs(c).some((r) => r.key === 'MYSQL_PASSWORD') &&
          envOf(c, 'MYSQL_HOST')?.valueFrom?.secretKeyRef?.key !== 'MYSQL_HOST'
        )
          problem(
            `${at(w)} container ${c.name}`,
            'MYSQL_HOST must come from the Secret (key MYSQL_HOST: the external MySQL)',
          );
    for (const key of ['MYSQL_HOST', 'REDIS_URL'])
      if (cm?.data?.[key] !== undefined)
        problem(`${W} ConfigMap/ebs-config`, `must not set ${key}: production takes it from the Secret`);
  } else {
    if (!find('StatefulSet', 'mysql')?.spec?.volumeClaimTemplates?.length)
      problem(W, 'mysql must be a StatefulSet with a PVC');
  }
  if (!find('StatefulSet', 'nats')?.spec?.volumeClaimTemplates?.length)
    problem(W, 'nats must be a StatefulSet with a PVC');

  // Redis and NATS require credentials (from the Secret); their clients carry them in their URLs.
  const redis = argsOf('redis');
  if (inCluster.redis && (!redis.args.includes('--requirepass') || !redis.keys.length))
    problem(`${W} redis`, 'must require a password (--requirepass) taken from the Secret');
  const nats = argsOf('nats');
  if (!(nats.args.includes('--pass') || nats.args.includes('--auth')) || !nats.keys.length)
    problem(`${W} nats`, 'must require credentials (--user/--pass or --auth) taken from the Secret');
  const natsReplicas = natsSet?.spec?.replicas ?? 1;
  const streamReplicas = Number(cm?.data?.NATS_STREAM_REPLICAS ?? 1);
  if (!(streamReplicas >= 1 && streamReplicas <= natsReplicas))
    problem(
      `${W} ConfigMap/ebs-config`,
      `NATS_STREAM_REPLICAS ${cm?.data?.NATS_STREAM_REPLICAS} must be 1..${natsReplicas} (the NATS StatefulSet's replicas)`,
    );
}

/** Each service's REDIS_URL/NATS_URL: from the Secret for an external server, with credentials for an in-cluster one. */
export function checkServerUrls({ find, inCluster, W }) {
  for (const svc of SERVICES) {
    const main = (podOf(find('Deployment', svc)).containers ?? []).find((c) => c.name === svc);
    for (const server of USES[svc]) {
      const name = server === 'redis' ? 'REDIS_URL' : 'NATS_URL';
      const env = envOf(main, name);
      if (!inCluster[server]) {
        if (env?.valueFrom?.secretKeyRef?.key !== name)
          problem(`${W} Deployment/${svc}`, `${name} must come from the Secret (key ${name}: the external ${server})`);
      } else if (
        !String(env?.value ?? '')
          .split(',')
          .every((u) => /^[a-z]+:\/\/[^:@/]*:\$\([A-Z0-9_]+\)@/.test(u))
      )
        problem(
          `${W} Deployment/${svc}`,
          `${name} must carry credentials from the Secret (${server}://user:$(PASSWORD)@...)`,
        );
    }
  }
}
