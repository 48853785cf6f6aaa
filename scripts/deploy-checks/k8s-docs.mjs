// What the docs tell an operator to run against the cluster (docs/deploy.md's Secret, metrics-server, apply -k) and
// which variables the cluster must get (.env.example's, but its compose-only part).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { problem, ROOT } from './context.mjs';

const readText = (f) => (existsSync(path.join(ROOT, f)) ? readFileSync(path.join(ROOT, f), 'utf8') : '');

/** docs/deploy.md's `kubectl create secret generic ebs-secret` of one part of the text, and the keys it names. */
function createSecretIn(text) {
  const cmd = text.match(/kubectl[^\n]*create secret generic ebs-secret(?:[^\n]*\\\n)*[^\n]*/)?.[0] ?? '';
  return { cmd, keys: new Set([...cmd.matchAll(/--from-(?:literal|file)=([A-Z0-9_]+)=/g)].map((m) => m[1])) };
}

/** docs/deploy.md's and README.md's rules; returns each overlay's `create secret` ({ cmd, keys }). */
export function checkDeployDocs() {
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
  return secrets;
}

/** The variables of .env.example above its compose-only part: what the ConfigMap and the Secret must cover. */
export function clusterEnvKeys() {
  const envExample = readText('.env.example');
  return envExample
    .split(/^# --- docker compose only ---$/m)[0]
    .split('\n')
    .map((l) => l.match(/^([A-Z0-9_]+)=/)?.[1])
    .filter(Boolean);
}
