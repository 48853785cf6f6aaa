// NetworkPolicies: default deny, in-cluster servers reachable from our pods only, each service reaching what it uses.
import { problem, SERVICES, USES } from './context.mjs';

export function checkNetworkPolicies({ prod, ofKind, inCluster, W, at }) {
  // NetworkPolicies: default deny; in-cluster MySQL/Redis/NATS reachable from our pods only; services reach what
  // they use (in the cluster by pod, outside it by port: the external servers' addresses are not known here).
  const policies = ofKind('NetworkPolicy');
  const selects = (sel, app) => {
    if (!sel || (!sel.matchLabels && !sel.matchExpressions)) return true; // {} selects every pod
    if (sel.matchLabels && Object.entries(sel.matchLabels).some(([k, v]) => k !== 'app' || v !== app)) return false;
    return (sel.matchExpressions ?? []).every(
      (e) => e.key === 'app' && e.operator === 'In' && (e.values ?? []).includes(app),
    );
  };
  const isEmpty = (sel) => !sel || (!sel.matchLabels && !sel.matchExpressions);
  const types = (p) => p.spec?.policyTypes ?? ['Ingress'];
  if (
    !policies.some(
      (p) =>
        isEmpty(p.spec?.podSelector) &&
        types(p).includes('Ingress') &&
        types(p).includes('Egress') &&
        !(p.spec?.ingress ?? []).length &&
        !(p.spec?.egress ?? []).length,
    )
  )
    problem(W, 'a default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules) is needed');
  const ourApps = [...SERVICES, 'migrate'];
  for (const server of ['mysql', 'redis', 'nats'].filter((s) => inCluster[s])) {
    const rules = policies.filter((p) => selects(p.spec?.podSelector, server) && types(p).includes('Ingress'));
    if (!rules.some((p) => (p.spec?.ingress ?? []).length))
      problem(W, `no NetworkPolicy lets our pods reach ${server}`);
    for (const p of rules) {
      for (const rule of p.spec?.ingress ?? []) {
        const from = rule.from ?? [];
        const onlyOurs =
          from.length > 0 &&
          from.every(
            (f) =>
              !f.ipBlock &&
              !f.namespaceSelector &&
              f.podSelector &&
              !isEmpty(f.podSelector) &&
              [...ourApps, server].some((a) => selects(f.podSelector, a)) &&
              !selects(f.podSelector, 'some-other-app'),
          );
        if (!onlyOurs) problem(at(p), `${server} must take traffic only from our pods (podSelector of our apps)`);
      }
    }
  }
  const hasPort = (r, port) => (r.ports ?? []).some((x) => x.port === port);
  const egressRules = (app) =>
    policies
      .filter((p) => selects(p.spec?.podSelector, app) && !isEmpty(p.spec?.podSelector) && types(p).includes('Egress'))
      .flatMap((p) => p.spec?.egress ?? []);
  const egressTo = (app, target, port) =>
    egressRules(app).some(
      (r) =>
        (r.to ?? []).some((t) => t.podSelector && selects(t.podSelector, target) && !isEmpty(t.podSelector)) &&
        hasPort(r, port),
    );
  // Outside the cluster: a rule on that port to anywhere, or to an ipBlock (the external server's network).
  const egressOut = (app, port) =>
    egressRules(app).some((r) => hasPort(r, port) && (!(r.to ?? []).length || r.to.every((t) => t.ipBlock)));
  const ingressFrom = (app, source, port) =>
    policies.some(
      (p) =>
        selects(p.spec?.podSelector, app) &&
        !isEmpty(p.spec?.podSelector) &&
        types(p).includes('Ingress') &&
        (p.spec?.ingress ?? []).some(
          (r) => (r.from ?? []).some((f) => f.podSelector && selects(f.podSelector, source)) && hasPort(r, port),
        ),
    );
  const reaches = (app, server, port) => (inCluster[server] ? egressTo(app, server, port) : egressOut(app, port));
  for (const app of ourApps) {
    if (!reaches(app, 'mysql', 3306)) problem(W, `no NetworkPolicy lets ${app} reach mysql:3306`);
  }
  for (const svc of SERVICES) {
    for (const server of USES[svc]) {
      const port = server === 'redis' ? 6379 : 4222;
      if (!reaches(svc, server, port)) problem(W, `no NetworkPolicy lets ${svc} reach ${server}:${port}`);
    }
  }
  if (prod && !(egressTo('nats', 'nats', 6222) && ingressFrom('nats', 'nats', 6222)))
    problem(W, 'no NetworkPolicy lets the nats servers reach each other on 6222 (routes: ingress and egress)');
}
