// Scaling and availability: HorizontalPodAutoscalers and PodDisruptionBudgets (booking-service in Minikube, every
// service and NATS in production), and production's spread of replicas over nodes and zones.
import { problem, SERVICES } from './context.mjs';
import { appOf, HOSTNAME_KEY, NATS_CLUSTER_SIZE, podOf, ZONE_KEY } from './k8s-view.mjs';

export function checkAutoscaling({ prod, find, ofKind, W, at }) {
  // Autoscaling and disruption budgets: booking-service in Minikube, every service (and NATS) in production.
  const hpaOf = (name) => ofKind('HorizontalPodAutoscaler').find((h) => h.spec?.scaleTargetRef?.name === name);
  const pdbOf = (app) => ofKind('PodDisruptionBudget').find((d) => d.spec?.selector?.matchLabels?.app === app);
  for (const svc of prod ? SERVICES : ['booking-service']) {
    const hpa = hpaOf(svc);
    const pdb = pdbOf(svc);
    if (!hpa) problem(W, `${svc} needs a HorizontalPodAutoscaler`);
    if (!pdb) problem(W, `${svc} needs a PodDisruptionBudget`);
    if (!prod || !hpa || !pdb) continue;
    if (hpa.apiVersion !== 'autoscaling/v2' || hpa.spec?.scaleTargetRef?.kind !== 'Deployment')
      problem(at(hpa), 'must be autoscaling/v2 scaling the Deployment');
    if (!(hpa.spec?.metrics ?? []).some((m) => m.type === 'Resource' && m.resource?.name === 'cpu'))
      problem(at(hpa), 'must scale on CPU (a Resource metric cpu)');
    const min = hpa.spec?.minReplicas ?? 1;
    if (!(min >= 2)) problem(at(hpa), 'minReplicas must be at least 2 (one pod is a single point of failure)');
    if (!(hpa.spec?.maxReplicas > min)) problem(at(hpa), 'maxReplicas must exceed minReplicas');
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    if (![minAvailable, maxUnavailable].some(Number.isInteger))
      problem(at(pdb), 'set minAvailable or maxUnavailable as a number of pods');
    // At the HPA's minimum a node drain must still be able to evict one pod, and keep the floor below.
    const kept = Number.isInteger(minAvailable) ? minAvailable : min - maxUnavailable;
    const floor = svc === 'booking-service' ? 2 : 1;
    if (!(kept >= floor)) problem(at(pdb), `must keep at least ${floor} pod(s) of ${svc} through a disruption`);
    if (!(min - kept >= 1))
      problem(at(pdb), `leaves no pod to evict at the HPA's minReplicas ${min}: node drains would block`);
    // An outage of MySQL makes every pod unready: with the default policy the budget is never met and drains block.
    if (pdb.spec?.unhealthyPodEvictionPolicy !== 'AlwaysAllow')
      problem(
        at(pdb),
        'must set unhealthyPodEvictionPolicy: AlwaysAllow (an outage that makes every pod unready must not block drains)',
      );
    if (find('Deployment', svc)?.spec?.replicas !== undefined)
      problem(`${W} Deployment/${svc}`, 'must not set spec.replicas: the HPA owns it (each apply would reset it)');
  }
  if (!prod && !((find('Deployment', 'booking-service')?.spec?.replicas ?? 0) >= 2))
    problem(W, 'booking-service needs at least 2 replicas');
  if (prod) {
    const pdb = pdbOf('nats');
    if (!(pdb?.spec?.maxUnavailable === 1 || pdb?.spec?.minAvailable === NATS_CLUSTER_SIZE - 1))
      problem(W, `nats needs a PodDisruptionBudget keeping ${NATS_CLUSTER_SIZE - 1} of ${NATS_CLUSTER_SIZE} (quorum)`);
    // Servers that are not Ready are recovering (quorum loss, catch-up): a drain must not evict them regardless.
    if (pdb?.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow')
      problem(at(pdb), 'must not set unhealthyPodEvictionPolicy AlwaysAllow: it would evict servers still recovering');
  }
}

export function checkSpread({ prod, find, natsSet, at }) {
  // Production: replicas of one service spread over nodes (hard) and zones (soft: a single-zone cluster still runs).
  if (prod) {
    for (const w of [...SERVICES.map((s) => find('Deployment', s)), natsSet].filter(Boolean)) {
      const app = appOf(w);
      const spread = podOf(w).topologySpreadConstraints ?? [];
      const on = (key) => spread.find((t) => t.topologyKey === key && t.labelSelector?.matchLabels?.app === app);
      if (app !== 'nats' && !on(HOSTNAME_KEY))
        problem(at(w), `needs a topologySpreadConstraint on ${HOSTNAME_KEY} selecting app ${app}`);
      if (on(ZONE_KEY)?.whenUnsatisfiable !== 'ScheduleAnyway')
        problem(at(w), `needs a topologySpreadConstraint on ${ZONE_KEY} (ScheduleAnyway) selecting app ${app}`);
    }
  }
}
