/**
 * Stands in for @kubernetes/client-node's generated API when the operator loads its KubeConfig
 * (./kubeconfig.ts, docs/adr/0039). config.js imports exactly these two names, for
 * `KubeConfig.makeApiClient`; the operator talks to the API server through KubeClient instead.
 */
const MESSAGE =
  "the operator loads @kubernetes/client-node without its generated API (operator/kube/kubeconfig.ts); use KubeClient's request() or import the full package outside the operator";

export function createConfiguration(): never {
  throw new Error(MESSAGE);
}

export class ServerConfiguration {
  constructor() {
    throw new Error(MESSAGE);
  }
}
