// Every rendered object against its Kubernetes schema (kubernetes-models), in namespace ebs, and the ebs Namespace
// first, enforcing the "restricted" Pod Security Standard.
import { oneLine, problem } from './context.mjs';

/** The kubernetes-models class for apiVersion/kind: core kinds under kubernetes-models/v1, others by group. */
async function loadModel(apiVersion, kind) {
  const mod = await import(`kubernetes-models/${apiVersion}`);
  return mod[kind];
}

export async function checkObjects({ objs, W, at }) {
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
}
