// One rendered overlay as the k8s checks see it: where a problem is (W, at), lookups by kind and name, the
// ConfigMap, the workloads, which images are ours and which backing servers run in the cluster. Nothing here adds
// a problem; the checks (k8s-*.mjs) do, in the order k8s.mjs calls them.
import { IMAGES } from './context.mjs';

export const HOSTNAME_KEY = 'kubernetes.io/hostname';
export const ZONE_KEY = 'topology.kubernetes.io/zone';
/** Production's three NATS servers: the StatefulSet's replicas and the stream's replicas. */
export const NATS_CLUSTER_SIZE = 3;

export const podOf = (obj) => (obj?.kind === 'Pod' ? obj.spec : obj?.spec?.template?.spec) ?? {};
export const appOf = (obj) => (obj?.kind === 'Pod' ? obj.metadata : obj?.spec?.template?.metadata)?.labels?.app;
export const containersOf = (obj) => [...(podOf(obj).initContainers ?? []), ...(podOf(obj).containers ?? [])];
export const secretRefs = (c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef).filter(Boolean);
export const envOf = (c, name) => (c?.env ?? []).find((e) => e.name === name);

/**
 * The view of `objs` (what k8s/overlays/<overlay> rendered to) the checks share; `secret` is docs/deploy.md's
 * `create secret` for this overlay ({ cmd, keys }), `envKeys` the variables the cluster must get.
 */
export function overlayView(overlay, objs, secret, envKeys) {
  const prod = overlay === 'production';
  const W = `k8s/overlays/${overlay}`;
  const at = (obj) => `${W} ${obj?.kind}/${obj?.metadata?.name}`;
  const secretLabel = `docs/deploy.md's kubectl create secret (${prod ? 'Production' : 'Minikube'})`;
  const find = (kind, name) => objs.find((o) => o.kind === kind && o.metadata?.name === name);
  const ofKind = (kind) => objs.filter((o) => o.kind === kind);
  const cm = find('ConfigMap', 'ebs-config');
  const workloads = objs.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Pod'].includes(o.kind));
  // Which images are ours: Minikube builds them into its Docker (<folder>:latest, IfNotPresent); production pulls
  // them from a registry with a pinned tag (<registry>/<folder>:<tag>, never :latest).
  const imageFolder = (image) => {
    const m = String(image ?? '').match(prod ? /^(?:[^\s:@]+\/)?([a-z0-9-]+):([\w.-]+)$/ : /^([a-z0-9-]+):latest$/);
    return m && IMAGES.includes(m[1]) && (!prod || (m[2] !== 'latest' && image.includes('/'))) ? m[1] : null;
  };
  const dbImage = (c) => imageFolder(c?.image) === 'db';

  // In the cluster (Minikube): MySQL, Redis, NATS. Production: NATS only; MySQL and Redis are external services
  // whose addresses come from the Secret.
  const workloadOf = (name) =>
    workloads.find((w) => w.metadata?.name === name || appOf(w) === name) ??
    workloads.find((w) => containersOf(w).some((c) => String(c.image ?? '').startsWith(`${name}:`)));
  const inCluster = { mysql: Boolean(workloadOf('mysql')), redis: Boolean(workloadOf('redis')), nats: true };

  // A server's first container: its command and args, the Secret keys it takes, the container.
  const argsOf = (name) => {
    const w = find('Deployment', name) ?? find('StatefulSet', name);
    const c = podOf(w).containers?.[0] ?? {};
    return { args: [...(c.command ?? []), ...(c.args ?? [])], keys: secretRefs(c).map((r) => r.key), c };
  };
  const natsSet = find('StatefulSet', 'nats');
  return {
    objs,
    secret,
    envKeys,
    prod,
    W,
    at,
    secretLabel,
    find,
    ofKind,
    cm,
    workloads,
    imageFolder,
    dbImage,
    workloadOf,
    inCluster,
    argsOf,
    natsSet,
  };
}
