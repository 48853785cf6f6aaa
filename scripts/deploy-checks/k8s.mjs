// k8s/ (kustomize: k8s/base + k8s/overlays/<name>): the kustomization files and the docs, then each overlay as the
// pinned kustomize renders it, checked concern by concern. The order of the calls is the order of the problems.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { problem, ROOT } from './context.mjs';
import { checkServiceDeployments } from './k8s-deployments.mjs';
import { checkDeployDocs, clusterEnvKeys } from './k8s-docs.mjs';
import { checkNatsCluster } from './k8s-nats-cluster.mjs';
import { checkNetworkPolicies } from './k8s-network.mjs';
import { checkObjects } from './k8s-objects.mjs';
import { checkPodSecurity } from './k8s-pod-security.mjs';
import { checkKustomizations, OVERLAYS, render } from './k8s-render.mjs';
import { checkAutoscaling, checkSpread } from './k8s-scaling.mjs';
import { checkAccounts, checkContainerEnv, checkSecretAndConfig } from './k8s-secrets.mjs';
import { checkBackingServers, checkServerUrls } from './k8s-servers.mjs';
import { overlayView } from './k8s-view.mjs';

export { OVERLAYS };

export async function checkK8s() {
  if (!existsSync(path.join(ROOT, 'k8s'))) return problem('k8s', 'missing');
  checkKustomizations();
  const secrets = checkDeployDocs();
  const envKeys = clusterEnvKeys();
  // Both at once: each kustomize run takes a second or two (it loads its OpenAPI schema).
  const rendered = await Promise.all(OVERLAYS.map(render));
  for (const [i, overlay] of OVERLAYS.entries())
    if (rendered[i]) await checkOverlay(overlayView(overlay, rendered[i], secrets[overlay], envKeys));
}

async function checkOverlay(view) {
  await checkObjects(view);
  checkSecretAndConfig(view);
  for (const obj of view.workloads) {
    checkContainerEnv(view, obj);
    checkPodSecurity(view, obj);
  }
  checkAccounts(view);
  checkBackingServers(view);
  checkNatsCluster(view);
  checkServerUrls(view);
  checkNetworkPolicies(view);
  checkAutoscaling(view);
  checkServiceDeployments(view);
  checkSpread(view);
}
