// Secrets and accounts: no secret value committed, the ConfigMap and docs/deploy.md's Secret cover .env.example,
// containers name the Secret keys they use ($(VAR) references in order), and who holds which MySQL account.
import { ADMIN_SECRETS, problem, SERVICES } from './context.mjs';
import { containersOf, podOf, secretRefs } from './k8s-view.mjs';

/** No committed secret value; the ConfigMap (with the Secret) covers .env.example; the MySQL account names. */
export function checkSecretAndConfig({ ofKind, cm, secret, envKeys, secretLabel, W, at }) {
  // No secret value is committed: the Secret is created by hand (docs/deploy.md); containers name the keys they use.
  for (const obj of ofKind('Secret'))
    if (Object.keys(obj.data ?? {}).length || Object.keys(obj.stringData ?? {}).length)
      problem(at(obj), 'no secret value may be committed: create the Secret as docs/deploy.md shows');

  // ConfigMap + docs/deploy.md's Secret cover every variable of .env.example (but its compose-only part).
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
}

/** One workload's containers: Secret keys named one by one, and $(VAR) used only after VAR is defined. */
export function checkContainerEnv({ secret, secretLabel, at }, obj) {
  const where = at(obj);
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
        if (!defined.has(ref)) problem(`${where} container ${c.name}`, `args use $(${ref}), which env does not define`);
  }
}

/** The services' pods hold the app account only; the migrate Job holds the admin and migration accounts. */
export function checkAccounts({ find, ofKind, dbImage, W, at }) {
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
}
