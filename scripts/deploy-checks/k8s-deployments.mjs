// Each service's Deployment and Service: present, shut down within its grace period (k8s-shutdown.mjs), running
// our image (Minikube: <folder>:latest built locally; production: <registry>/<folder>:<pinned tag>), probing
// /ready and /health, serving port 3000.
import { IMAGES, problem, SERVICES } from './context.mjs';
import { checkShutdown } from './k8s-shutdown.mjs';
import { containersOf, podOf } from './k8s-view.mjs';

export function checkServiceDeployments(view) {
  const { prod, find, imageFolder, W, at } = view;
  for (const svc of SERVICES) {
    const dep = find('Deployment', svc);
    if (!dep) {
      problem(W, `Deployment ${svc} missing`);
      continue;
    }
    const where = at(dep);
    const main = (podOf(dep).containers ?? []).find((c) => c.name === svc);
    checkShutdown(view, svc, dep, where);
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
}
