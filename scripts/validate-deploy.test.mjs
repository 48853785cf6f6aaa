// node --test scripts/: proves scripts/validate-deploy.mjs fails on deliberately broken copies.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const VALIDATOR = path.join(ROOT, 'scripts', 'validate-deploy.mjs');
const FILES = [
  'docker-compose.yml',
  '.dockerignore',
  '.env.example',
  'README.md',
  'docs',
  'k8s',
  'db',
  'user-service',
  'event-service',
  'booking-service',
  'notification-service',
];

/** A copy of the deploy files (no node_modules), with `edit` applied to one file. */
function brokenCopy(file, edit) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ebs-deploy-'));
  for (const f of FILES) {
    cpSync(path.join(ROOT, f), path.join(dir, f), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}node_modules`) && !src.includes(`${path.sep}dist`),
    });
  }
  if (file) {
    const target = path.join(dir, file);
    const before = readFileSync(target, 'utf8');
    const after = edit(before);
    assert.notEqual(after, before, `the edit of ${file} changed nothing`);
    writeFileSync(target, after);
  }
  return dir;
}

/** Runs the validator on the copy (then removes it); async, so that the cases run side by side. */
async function validate(dir) {
  try {
    const r = await promisify(execFile)(process.execPath, [VALIDATOR, '--root', dir], { encoding: 'utf8' });
    return { code: 0, out: `${r.stdout}${r.stderr}` };
  } catch (err) {
    return { code: err.code, out: `${err.stdout}${err.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('when nothing is broken, then validation passes', async () => {
  const r = await validate(brokenCopy());
  assert.equal(r.code, 0, r.out);
});

const cases = [
  [
    'compose: a port mapping changed',
    'docker-compose.yml',
    (s) => s.replace('BOOKING_SERVICE_PORT:-3003}:3000', 'BOOKING_SERVICE_PORT:-3003}:8080'),
    /BOOKING_SERVICE_PORT/,
  ],
  [
    'compose: a service published on every interface whatever .env says',
    'docker-compose.yml',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a JS template
    (s) => s.replace('${BIND_ADDRESS:-127.0.0.1}:${USER_SERVICE_PORT', '0.0.0.0:${USER_SERVICE_PORT'),
    /user-service must publish .*BIND_ADDRESS/,
  ],
  [
    'compose: a service reads the whole .env',
    'docker-compose.yml',
    (s) =>
      s.replace('  booking-service:\n    <<: *service\n', '  booking-service:\n    <<: *service\n    env_file: .env\n'),
    /booking-service must not use env_file/,
  ],
  [
    'compose: the services get the root password',
    'docker-compose.yml',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a JS template
    (s) => s.replace('  PORT: "3000"\n', '  PORT: "3000"\n  MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD}\n'),
    /must not get MYSQL_ROOT_PASSWORD/,
  ],
  [
    'compose: the services connect as root',
    'docker-compose.yml',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a JS template
    (s) => s.replace('MYSQL_USER: ${MYSQL_USER:-ebs_app}', 'MYSQL_USER: root'),
    /connect as MYSQL_USER from .env/,
  ],
  [
    'compose: migrate without the admin account',
    'docker-compose.yml',
    (s) => s.replace('      MYSQL_ADMIN_USER: root\n', ''),
    /migrate must get MYSQL_ADMIN_USER/,
  ],
  [
    'compose: MySQL published on the host',
    'docker-compose.yml',
    (s) =>
      s.replace(
        '  mysql:\n    image: mysql:8.4\n',
        '  mysql:\n    image: mysql:8.4\n    ports:\n      - "3306:3306"\n',
      ),
    /mysql must not be published/,
  ],
  [
    'compose: an unknown key',
    'docker-compose.yml',
    (s) => s.replace('  redis:\n    image', '  redis:\n    imagez: x\n    image'),
    /schema/,
  ],
  ['compose: a wrong type', 'docker-compose.yml', (s) => s.replace('retries: 10', 'retries: [ten]'), /schema/],
  [
    'compose: services no longer wait for migrate',
    'docker-compose.yml',
    (s) => s.replace('condition: service_completed_successfully', 'condition: service_started'),
    /after migrate/,
  ],
  [
    'k8s: a Deployment without readiness probe',
    'k8s/base/30-user-service.yaml',
    (s) => s.replace('readinessProbe:', 'startupProbe:'),
    /readinessProbe/,
  ],
  [
    'k8s: resources removed',
    'k8s/base/31-event-service.yaml',
    (s) => s.replace(/ {10}resources:\n( {12}.*\n)+/, ''),
    /resources/,
  ],
  [
    'k8s: running as root allowed',
    'k8s/base/33-notification-service.yaml',
    (s) => s.replace('runAsNonRoot: true', 'runAsNonRoot: false'),
    /runAsNonRoot/,
  ],
  [
    'k8s: an image name not matching its folder',
    'k8s/base/32-booking-service.yaml',
    (s) => s.replace('image: booking-service:latest', 'image: bookings:latest'),
    /image/,
  ],
  [
    'k8s: a Service targeting another port',
    'k8s/base/30-user-service.yaml',
    (s) => s.replace('targetPort: 3000', 'targetPort: 8080'),
    /targetPort 3000/,
  ],
  ['k8s: a ConfigMap key missing', 'k8s/base/00-config.yaml', (s) => s.replace('  CACHE_TTL: "60"\n', ''), /CACHE_TTL/],
  [
    'k8s: a secret value committed',
    'k8s/base/00-config.yaml',
    (s) =>
      `${s}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: ebs-secret\n  namespace: ebs\nstringData:\n  MYSQL_PASSWORD: dev\n`,
    /no secret value may be committed/,
  ],
  [
    'k8s: every secret handed to a container',
    'k8s/base/30-user-service.yaml',
    (s) =>
      s.replace(
        '                name: ebs-config\n',
        '                name: ebs-config\n            - secretRef:\n                name: ebs-secret\n',
      ),
    /envFrom secretRef/,
  ],
  [
    "k8s: a Secret key docs/deploy.md's create secret lacks",
    'k8s/base/31-event-service.yaml',
    (s) => s.replace('key: REDIS_PASSWORD', 'key: REDIS_PASS'),
    /REDIS_PASS that docs\/deploy\.md/,
  ],
  [
    'docs/deploy.md: the create secret command without a key the manifests use',
    'docs/deploy.md',
    (s) => s.replace('  --from-literal=NATS_PASSWORD="$(openssl rand -hex 24)" \\\n', ''),
    /NATS_PASSWORD that docs\/deploy\.md/,
  ],
  [
    'docs/deploy.md: no metrics-server step',
    'docs/deploy.md',
    (s) => s.replaceAll('metrics-server', 'metrics'),
    /metrics-server/,
  ],
  [
    'k8s: the namespace does not enforce restricted',
    'k8s/base/00-config.yaml',
    (s) => s.replace('enforce: restricted', 'enforce: baseline'),
    /restricted/,
  ],
  [
    'k8s: a pod without seccomp profile',
    'k8s/base/32-booking-service.yaml',
    (s) => s.replace('        seccompProfile:\n          type: RuntimeDefault\n', ''),
    /seccompProfile/,
  ],
  [
    'k8s: capabilities kept',
    'k8s/base/33-notification-service.yaml',
    (s) => s.replace('drop: ["ALL"]', 'drop: ["NET_RAW"]'),
    /drop ALL/,
  ],
  [
    'k8s: a writable root filesystem in a service pod',
    'k8s/base/30-user-service.yaml',
    (s) => s.replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'),
    /readOnlyRootFilesystem/,
  ],
  ['k8s: MySQL as root', 'k8s/base/10-mysql.yaml', (s) => s.replace('runAsUser: 999', 'runAsUser: 0'), /runAsUser/],
  [
    'k8s: the services connect as root',
    'k8s/base/00-config.yaml',
    (s) => s.replace('MYSQL_USER: ebs_app', 'MYSQL_USER: root'),
    /MYSQL_USER must be the app account/,
  ],
  [
    'k8s: a service pod holds the admin password',
    'k8s/base/32-booking-service.yaml',
    (s) => s.replace('key: MYSQL_PASSWORD', 'key: MYSQL_ADMIN_PASSWORD'),
    /must not hold MYSQL_ADMIN_PASSWORD/,
  ],
  [
    'k8s: the init container migrates instead of waiting',
    'k8s/base/31-event-service.yaml',
    (s) => s.replace('args: ["node", "dist/main.js", "--wait"]', 'args: ["node", "dist/main.js"]'),
    /--wait/,
  ],
  [
    'k8s: Redis without a password',
    'k8s/base/11-redis.yaml',
    (s) => s.replace(', "--requirepass", "$(REDIS_PASSWORD)"', ''),
    /requirepass/,
  ],
  [
    'k8s: NATS_URL without credentials',
    'k8s/base/33-notification-service.yaml',
    (s) => s.replace('nats://ebs:$(NATS_PASSWORD)@nats:4222', 'nats://nats:4222'),
    /NATS_URL must carry credentials/,
  ],
  [
    'k8s: no default deny',
    'k8s/base/40-network-policies.yaml',
    (s) =>
      s.replace(
        '  policyTypes: ["Ingress", "Egress"]\n---',
        '  policyTypes: ["Ingress", "Egress"]\n  ingress:\n    - {}\n---',
      ),
    /default-deny/,
  ],
  [
    'k8s: MySQL reachable from anywhere',
    'k8s/base/40-network-policies.yaml',
    (s) =>
      s.replace(
        /(name: mysql-ingress[\s\S]*?ingress:\n)/,
        '$1    - from:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n',
      ),
    /mysql must take traffic only from our pods/,
  ],
  [
    'k8s: event-service cannot reach Redis',
    'k8s/base/40-network-policies.yaml',
    (s) => s.replace(/(name: event-service-egress[\s\S]*?app: )redis/, '$1cache'),
    /event-service reach redis/,
  ],
  [
    'k8s: a schema violation',
    'k8s/base/32-booking-service.yaml',
    (s) => s.replace('replicas: 2', 'replicas: two'),
    /schema/,
  ],
  [
    'k8s: a single booking replica',
    'k8s/base/32-booking-service.yaml',
    (s) => s.replace('replicas: 2', 'replicas: 1'),
    /2 replicas/,
  ],
  // The overlays, as kustomize renders them.
  [
    'kustomize: an overlay names a file that is not there',
    'k8s/overlays/production/kustomization.yaml',
    (s) => s.replace('  - network-policies.yaml\n', '  - network-policies.yaml\n  - missing.yaml\n'),
    /k8s\/overlays\/production: kustomize build failed/,
  ],
  [
    "kustomize: a field kubectl's kustomize v5 warns about",
    'k8s/overlays/minikube/kustomization.yaml',
    (s) => `${s}commonLabels:\n  app.kubernetes.io/part-of: ebs\n`,
    /kustomization\.yaml: field commonLabels/,
  ],
  [
    'docs: a page still applies the raw k8s files',
    'docs/troubleshooting.md',
    (s) => s.replace('apply -k k8s/overlays/minikube', 'apply -f k8s/base/20-migrate-job.yaml'),
    /docs\/troubleshooting\.md:\d+: apply -f k8s/,
  ],
  [
    'docs/deploy.md: no apply -k of the minikube overlay',
    'docs/deploy.md',
    (s) => s.replaceAll('minikube kubectl -- apply -k k8s/overlays/minikube', 'minikube kubectl -- apply -k k8s/'),
    /must show `minikube kubectl -- apply -k k8s\/overlays\/minikube`/,
  ],
  [
    "docs/deploy.md: the production Secret without a key production's containers use",
    'docs/deploy.md',
    (s) => s.replace('  --from-literal=REDIS_URL="$REDIS_URL" \\\n', ''),
    /REDIS_URL that docs\/deploy\.md's kubectl create secret \(Production\) lacks/,
  ],
  [
    'k8s: a $(VAR) used before VAR is defined (a patch puts its env entries first)',
    'k8s/overlays/production/patches/notification-service.yaml',
    (s) => s.replace(/ {12}# Repeated from the base[\s\S]*?key: NATS_PASSWORD\n/, ''),
    /notification-service container notification-service: env NATS_URL uses \$\(NATS_PASSWORD\) before/,
  ],
  [
    'k8s: args use a variable env does not define',
    'k8s/overlays/production/patches/nats.yaml',
    (s) => s.replace(/ {12}- name: POD_NAME\n[\s\S]*?fieldPath: metadata\.name\n/, ''),
    /StatefulSet\/nats container nats: args use \$\(POD_NAME\)/,
  ],
  [
    'k8s: more stream replicas than NATS servers (Minikube)',
    'k8s/base/00-config.yaml',
    (s) => s.replace('NATS_STREAM_REPLICAS: "1"', 'NATS_STREAM_REPLICAS: "3"'),
    /minikube ConfigMap\/ebs-config: NATS_STREAM_REPLICAS 3 must be 1\.\.1/,
  ],
  [
    'production: two NATS servers',
    'k8s/overlays/production/patches/nats.yaml',
    (s) => s.replace('  replicas: 3\n', '  replicas: 2\n'),
    /production StatefulSet\/nats: replicas must be 3/,
  ],
  [
    'production: stream replicas 1',
    'k8s/overlays/production/patches/config.yaml',
    (s) => s.replace('NATS_STREAM_REPLICAS: "3"', 'NATS_STREAM_REPLICAS: "1"'),
    /NATS_STREAM_REPLICAS must be "3"/,
  ],
  [
    'production: a route missing',
    'k8s/overlays/production/patches/nats.yaml',
    (s) => s.replace(',nats://nats-2.nats-cluster:6222"', '"'),
    /--routes must list nats:\/\/nats-2\.nats-cluster:6222/,
  ],
  [
    'production: NATS without a cluster name',
    'k8s/overlays/production/patches/nats.yaml',
    (s) => s.replace('            - "--cluster_name"\n            - "ebs"\n', ''),
    /must name its cluster \(--cluster_name\)/,
  ],
  [
    'production: every NATS server with the same name',
    'k8s/overlays/production/patches/nats.yaml',
    (s) => s.replace('- "$(POD_NAME)"', '- "nats"'),
    /each server needs its own name/,
  ],
  [
    'production: the routes Service not headless',
    'k8s/overlays/production/nats-cluster.yaml',
    (s) => s.replace('  clusterIP: None\n', ''),
    /serviceName nats-cluster must be a headless Service/,
  ],
  [
    'production: NATS servers may share a node',
    'k8s/overlays/production/patches/nats.yaml',
    (s) => s.replace(/ {6}affinity:\n[\s\S]*?app: nats\n/, ''),
    /servers must be on distinct nodes/,
  ],
  [
    "production: the ConfigMap's NATS_URL names one server",
    'k8s/overlays/production/patches/config.yaml',
    (s) => s.replace(/NATS_URL: .*/, 'NATS_URL: nats://nats:4222'),
    /ConfigMap\/ebs-config: NATS_URL must list the 3 servers/,
  ],
  [
    "production: a service's NATS_URL names two servers",
    'k8s/overlays/production/patches/booking-service.yaml',
    (s) => s.replace(',nats://ebs:$(NATS_PASSWORD)@nats-2.nats-cluster:4222', ''),
    /Deployment\/booking-service: NATS_URL must list the 3 servers/,
  ],
  [
    'production: MySQL still in the cluster',
    'k8s/overlays/production/kustomization.yaml',
    (s) =>
      s.replace(
        / {2}- patch: \|-\n {6}\$patch: delete\n {6}apiVersion: apps\/v1\n {6}kind: StatefulSet\n[\s\S]*?namespace: ebs\n/,
        '',
      ),
    /StatefulSet\/mysql: no in-cluster mysql in production/,
  ],
  [
    "production: Redis's Service still in the cluster",
    'k8s/overlays/production/kustomization.yaml',
    (s) =>
      s.replace(
        / {2}- patch: \|-\n {6}\$patch: delete\n {6}apiVersion: v1\n {6}kind: Service\n {6}metadata:\n {8}name: redis\n {8}namespace: ebs\n/,
        '',
      ),
    /Service\/redis: no in-cluster redis in production/,
  ],
  [
    "production: the migrate Job without the external MySQL's address",
    'k8s/overlays/production/kustomization.yaml',
    (s) => s.replace('  - path: patches/migrate-job.yaml\n', ''),
    /Job\/migrate container migrate: MYSQL_HOST must come from the Secret/,
  ],
  [
    'production: the ConfigMap still names the in-cluster MySQL',
    'k8s/overlays/production/patches/config.yaml',
    (s) => s.replace('  MYSQL_HOST: null\n', ''),
    /must not set MYSQL_HOST: production takes it from the Secret/,
  ],
  [
    "production: event-service's REDIS_URL not from the Secret",
    'k8s/overlays/production/patches/event-service.yaml',
    (s) => s.replace(/ {12}- name: REDIS_URL\n[\s\S]*?key: REDIS_URL\n/, ''),
    /Deployment\/event-service: REDIS_URL must come from the Secret/,
  ],
  [
    'production: a service without an HPA',
    'k8s/overlays/production/autoscaling.yaml',
    (s) =>
      s.replace(/apiVersion: autoscaling\/v2\n[\s\S]*?name: user-service\n[\s\S]*?averageUtilization: 70\n---\n/, ''),
    /production: user-service needs a HorizontalPodAutoscaler/,
  ],
  [
    'production: a service without a PodDisruptionBudget',
    'k8s/overlays/production/autoscaling.yaml',
    (s) => s.replace(/---\napiVersion: policy\/v1\n[\s\S]*?app: event-service\n/, ''),
    /production: event-service needs a PodDisruptionBudget/,
  ],
  [
    'production: an HPA with a single pod',
    'k8s/overlays/production/autoscaling.yaml',
    (s) => s.replace('minReplicas: 2', 'minReplicas: 1'),
    /minReplicas must be at least 2/,
  ],
  [
    'production: an HPA on memory',
    'k8s/overlays/production/autoscaling.yaml',
    (s) => s.replace('name: cpu', 'name: memory'),
    /must scale on CPU/,
  ],
  [
    'production: booking-service keeps one pod through a drain',
    'k8s/overlays/production/patches/booking-pdb.yaml',
    (s) => s.replace('minAvailable: 2', 'minAvailable: 1'),
    /PodDisruptionBudget\/booking-service: must keep at least 2 pod/,
  ],
  [
    'production: a PodDisruptionBudget that blocks node drains',
    'k8s/overlays/production/patches/booking-autoscaling.yaml',
    (s) => s.replace('minReplicas: 3', 'minReplicas: 2'),
    /PodDisruptionBudget\/booking-service: leaves no pod to evict/,
  ],
  [
    'production: a Deployment sets the replicas its HPA owns',
    'k8s/overlays/production/patches/user-service.yaml',
    (s) => s.replace('  replicas: null\n', ''),
    /Deployment\/user-service: must not set spec\.replicas/,
  ],
  [
    'production: NATS without a PodDisruptionBudget',
    'k8s/overlays/production/nats-cluster.yaml',
    (s) => s.replace('maxUnavailable: 1', 'maxUnavailable: 2'),
    /nats needs a PodDisruptionBudget keeping 2 of 3/,
  ],
  [
    'production: replicas not spread over nodes',
    'k8s/overlays/production/patches/event-service.yaml',
    (s) => s.replace('topologyKey: kubernetes.io/hostname', 'topologyKey: example.com/rack'),
    /Deployment\/event-service: needs a topologySpreadConstraint on kubernetes\.io\/hostname/,
  ],
  [
    'production: a zone spread that may leave pods pending',
    'k8s/overlays/production/patches/notification-service.yaml',
    (s) => s.replace(/(zone\n {10}whenUnsatisfiable: )ScheduleAnyway/, '$1DoNotSchedule'),
    /Deployment\/notification-service: needs a topologySpreadConstraint on topology\.kubernetes\.io\/zone/,
  ],
  [
    'production: no preStop',
    'k8s/overlays/production/patches/user-service.yaml',
    (s) => s.replace(/ {10}lifecycle:\n[\s\S]*?command: \["sleep", "5"\]\n/, ''),
    /Deployment\/user-service: needs a preStop sleep/,
  ],
  [
    'production: a grace period shorter than preStop, drain and shutdown',
    'k8s/overlays/production/patches/user-service.yaml',
    (s) => s.replace('terminationGracePeriodSeconds: 30', 'terminationGracePeriodSeconds: 15'),
    /Deployment\/user-service: terminationGracePeriodSeconds 15 must exceed preStop 5 s \+ drain 5 s \+ shutdown 8 s/,
  ],
  [
    "production: booking-service's grace period of 30 s (its shutdown bound is 18 s: 28 s in all)",
    'k8s/overlays/production/patches/booking-service.yaml',
    (s) => s.replace('terminationGracePeriodSeconds: 40', 'terminationGracePeriodSeconds: 30'),
    /production Deployment\/booking-service: terminationGracePeriodSeconds 30 must exceed preStop 5 s \+ drain 5 s \+ shutdown 18 s/,
  ],
  [
    "k8s: booking-service's grace period shorter than its drain and shutdown (Minikube)",
    'k8s/base/32-booking-service.yaml',
    (s) => s.replace('terminationGracePeriodSeconds: 30', 'terminationGracePeriodSeconds: 20'),
    /minikube Deployment\/booking-service: terminationGracePeriodSeconds 20 must exceed drain 5 s \+ shutdown 18 s/,
  ],
  [
    "k8s: a SHUTDOWN_TIMEOUT_MS booking-service refuses (not beyond a booking's wait and transaction)",
    'k8s/base/00-config.yaml',
    (s) =>
      s.replace('  BOOKING_MAX_WAIT_MS: "10000"\n', '  BOOKING_MAX_WAIT_MS: "10000"\n  SHUTDOWN_TIMEOUT_MS: "8000"\n'),
    /minikube Deployment\/booking-service: SHUTDOWN_TIMEOUT_MS 8000 must exceed BOOKING_MAX_WAIT_MS \+ MYSQL_TRANSACTION_TIMEOUT_MS \(17000 ms\)/,
  ],
  [
    'production: NATS liveness on the full /healthz',
    'k8s/overlays/production/patches/nats.yaml',
    (s) => s.replace('path: /healthz?js-enabled-only=true', 'path: /healthz'),
    /production nats: livenessProbe must GET \/healthz\?js-enabled-only=true, not the full \/healthz/,
  ],
  [
    'production: NATS without a startupProbe on the full /healthz',
    'k8s/overlays/production/patches/nats.yaml',
    (s) => s.replace(/ {10}startupProbe:\n[\s\S]*?failureThreshold: 90\n/, ''),
    /production nats: needs a startupProbe on the full \/healthz/,
  ],
  [
    "production: a service's PodDisruptionBudget blocks drains while every pod is unready",
    'k8s/overlays/production/patches/booking-pdb.yaml',
    (s) => s.replace('  unhealthyPodEvictionPolicy: AlwaysAllow\n', ''),
    /PodDisruptionBudget\/booking-service: must set unhealthyPodEvictionPolicy: AlwaysAllow/,
  ],
  [
    "production: NATS's PodDisruptionBudget evicts servers that are not Ready",
    'k8s/overlays/production/nats-cluster.yaml',
    (s) => s.replace('  maxUnavailable: 1\n', '  maxUnavailable: 1\n  unhealthyPodEvictionPolicy: AlwaysAllow\n'),
    /PodDisruptionBudget\/nats: must not set unhealthyPodEvictionPolicy AlwaysAllow/,
  ],
  [
    'production: the NATS routes blocked',
    'k8s/overlays/production/kustomization.yaml',
    (s) => s.replace('  - network-policies.yaml\n', ''),
    /nats servers reach each other on 6222/,
  ],
  [
    'production: no way out to the external MySQL',
    'k8s/overlays/production/kustomization.yaml',
    (s) => s.replace('  - path: patches/network-policies-mysql.yaml\n', ''),
    /production: no NetworkPolicy lets user-service reach mysql:3306/,
  ],
  [
    'production: no way out to the external Redis',
    'k8s/overlays/production/patches/network-policies-redis.yaml',
    (s) => s.replace('port: 6379', 'port: 6380'),
    /production: no NetworkPolicy lets event-service reach redis:6379/,
  ],
  [
    'production: an image left at :latest',
    'k8s/overlays/production/kustomization.yaml',
    (s) => s.replace('    newName: registry.example.com/ebs/db\n    newTag: "1.0.0"\n', '    newName: db\n'),
    /image db:latest must be <registry>\//,
  ],
  [
    'Dockerfile: single stage',
    'user-service/Dockerfile',
    (s) => s.replace(/FROM node:22-bookworm-slim AS prune[\s\S]*?(?=FROM node:22-bookworm-slim AS runtime)/, ''),
    /multi-stage/,
  ],
  [
    'Dockerfile: a BuildKit frontend pulled',
    'notification-service/Dockerfile',
    (s) => `# syntax=docker/dockerfile:1\n${s}`,
    /syntax/,
  ],
  [
    'Dockerfile: the build installs every devDependency',
    'user-service/Dockerfile',
    (s) => s.replace(" --dev-only '^(typescript|@types/.*)$'", ''),
    /only the compiler and types/,
  ],
  [
    'Dockerfile: the whole workspace installed, not the pruned closure',
    'event-service/Dockerfile',
    (s) => s.replace('prune-lock.mjs event-service --prod', 'prune-lock.mjs booking-service --prod'),
    /production closure/,
  ],
  [
    'compose: a service built from its own folder',
    'docker-compose.yml',
    (s) =>
      s.replace(/build:\n {6}context: \.\n {6}dockerfile: booking-service\/Dockerfile/, 'build: ./booking-service'),
    /booking-service must build from the repository root/,
  ],
  ['root .dockerignore: .env not ignored', '.dockerignore', (s) => s.replace('.env*\n', ''), /\.dockerignore.*\.env/],
  [
    'Dockerfile: the runtime stage installs build tools',
    'db/Dockerfile',
    (s) => s.replace('USER node', 'RUN npm install --no-save typescript\nUSER node'),
    /runtime stage must not install|no npm install/,
  ],
  ['Dockerfile: root user', 'event-service/Dockerfile', (s) => s.replace('USER node', 'USER root'), /non-root USER/],
  [
    'Dockerfile: npm install instead of npm ci',
    'booking-service/Dockerfile',
    (s) => s.replaceAll('npm ci', 'npm install'),
    /npm ci/,
  ],
  [
    'Dockerfile: an unknown instruction',
    'db/Dockerfile',
    (s) => s.replace('WORKDIR /app', 'WORKDIRR /app'),
    /line \d+/,
  ],
];

// Side by side: each run renders both overlays (a second or two of kustomize each).
describe('broken copies', { concurrency: Math.max(2, Math.min(8, os.availableParallelism() - 1)) }, () => {
  for (const [name, file, edit, expected] of cases) {
    test(`when ${name}, then validation fails saying so`, async () => {
      const r = await validate(brokenCopy(file, edit));
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, expected);
    });
  }
});
