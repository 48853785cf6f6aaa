// Pod Security "restricted" for every pod (and our own containers read-only), resources set on every container.
import { problem, SERVICES } from './context.mjs';
import { appOf, containersOf, podOf } from './k8s-view.mjs';

export function checkPodSecurity({ at }, obj) {
  const where = at(obj);
  const pod = podOf(obj);
  // Pod Security "restricted" for every pod; backing servers (mysql, redis, nats) as non-root users too.
  const ours = SERVICES.includes(appOf(obj)) || appOf(obj) === 'migrate';
  const psc = pod.securityContext ?? {};
  if (!psc.runAsNonRoot) problem(where, 'pod must set securityContext.runAsNonRoot: true');
  if (!(psc.runAsUser > 0)) problem(where, 'pod must set a non-zero securityContext.runAsUser');
  if (psc.seccompProfile?.type !== 'RuntimeDefault') problem(where, 'pod must set seccompProfile RuntimeDefault');
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problem(where, 'no host namespaces');
  for (const c of containersOf(obj)) {
    const sc = c.securityContext ?? {};
    const cw = `${where} container ${c.name}`;
    if (sc.allowPrivilegeEscalation !== false) problem(cw, 'allowPrivilegeEscalation must be false');
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problem(cw, 'capabilities must drop ALL');
    if (sc.privileged) problem(cw, 'must not be privileged');
    if (sc.runAsUser === 0 || sc.runAsNonRoot === false) problem(cw, 'must not run as root');
    if (ours && sc.readOnlyRootFilesystem !== true) problem(cw, 'readOnlyRootFilesystem must be true');
    if (!c.resources?.requests || !c.resources?.limits) problem(cw, 'resources requests and limits must be set');
  }
}
