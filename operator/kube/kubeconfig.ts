/**
 * The operator's kubeconfig: @kubernetes/client-node's own KubeConfig (files, $KUBECONFIG,
 * in-cluster service account, exec plugins, OIDC, impersonation), loaded WITHOUT the generated
 * API client that its module imports but the operator never calls (docs/adr/0039).
 *
 * Why: `dist/config.js` imports `./gen/index.js` for `makeApiClient` alone, and that one import
 * loads 837 generated modules (every API group and model). V8 keeps their source on the heap for
 * the life of the process; a bare `import('@kubernetes/client-node')` takes a Node process from
 * 46 to 128 MB RSS. The operator speaks REST through KubeClient (./client.ts), so a resolve hook
 * points that one import, from that one module, at ./client-node-gen-off.ts, whose two exports
 * throw if anything ever calls `makeApiClient`.
 *
 * The hook only takes effect if config.js was not yet loaded in this process; when it was (a
 * test that imported the whole package first), the full module is reused and nothing changes.
 * operator/lean-start.int.test.ts starts the operator and checks no generated module is loaded.
 */
import { registerHooks } from 'node:module';
import type { KubeConfig } from '@kubernetes/client-node';

const CONFIG_MODULE = '/@kubernetes/client-node/dist/config.js';
const GENERATED_API = './gen/index.js';
const STAND_IN = new URL('./client-node-gen-off.ts', import.meta.url).href;

let hooked = false;

/** Registers the resolve hook once per process (hooks are process-wide and cannot be removed). */
export function keepGeneratedApiOff(): void {
  if (hooked) return;
  hooked = true;
  registerHooks({
    resolve(specifier, context, next) {
      if (specifier === GENERATED_API && context.parentURL?.endsWith(CONFIG_MODULE)) {
        return { url: STAND_IN, format: 'module-typescript', shortCircuit: true };
      }
      return next(specifier, context);
    },
  });
}

/** `file` when given (--kubeconfig), else client-node's default order ($KUBECONFIG, ~/.kube/config, in-cluster). */
export async function loadKubeConfig(file?: string): Promise<KubeConfig> {
  keepGeneratedApiOff();
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}
