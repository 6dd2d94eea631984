/**
 * loadKubeConfig (docs/adr/0039): client-node's own KubeConfig parses the file and computes
 * credentials, and the generated API it would otherwise load is replaced by a stand-in that
 * fails loudly. Each case runs in a fresh Node process: the resolve hook only applies before
 * client-node's config.js is first loaded, and this test process may have loaded it already.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MODULE = new URL('./kubeconfig.ts', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'sluice-kubeconfig-'));
const file = join(dir, 'config');
writeFileSync(
  file,
  `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443/", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: secret-token } }]
contexts: [{ name: ctx, context: { cluster: c, user: u } }]
current-context: ctx
`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `body` (an async function body with `kc` loaded) in a fresh Node; its stdout as JSON. */
function inFreshNode(body: string): unknown {
  const script = `const { loadKubeConfig } = await import(${JSON.stringify(MODULE)});
const kc = await loadKubeConfig(${JSON.stringify(file)});
const out = await (async () => { ${body} })();
process.stdout.write(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout);
}

describe('loadKubeConfig', () => {
  it('reads the cluster and computes the credentials with client-node', () => {
    const out = inFreshNode(`const opts = {};
      await kc.applyToHTTPSOptions(opts);
      return { server: kc.getCurrentCluster().server, auth: opts.headers.Authorization };`);
    expect(out).toEqual({ server: 'https://127.0.0.1:6443', auth: 'Bearer secret-token' });
  });

  it('refuses makeApiClient with a message naming the loader (the generated API is not loaded)', () => {
    const out = inFreshNode(`try { kc.makeApiClient(class {}); return 'built'; }
      catch (e) { return String(e.message); }`);
    expect(out).toContain('operator/kube/kubeconfig.ts');
  });
});
