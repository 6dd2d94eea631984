/**
 * The operator loads @kubernetes/client-node's KubeConfig without the generated API client
 * (operator/kube/kubeconfig.ts, docs/adr/0039): 837 generated modules whose source V8 keeps on
 * the heap, about 15 MB of the operator's RSS at 10k TenantPolicies. Started through the
 * image's entrypoint (`sluice operator`, as the chart runs it) against the real API server, it
 * must sync its caches with the lean KubeConfig and never load a generated module.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devEnv, kubectl } from '../test/harness/env.ts';
import { randomName, tempDatabase } from '../test/support/operator.ts';
import { installCrd } from '../test/support/operator-suite.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLIENT_NODE = 'node_modules/@kubernetes/client-node/dist/';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the operator, waits for /readyz, stops it with SIGTERM; the modules it loaded. */
async function operatorModules(env: Record<string, string>, namespace: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-op-modules-'));
  const log = join(dir, 'modules.txt');
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...['--import', `${ROOT}test/support/module-log.ts`, `${ROOT}cli/sluice.ts`, 'operator'],
      ...['--namespaces', namespace, '--redis-prefix', `${namespace}:`, '--leader-elect', 'false'],
      ...['--webhook', 'false', '--metrics-port', String(port), '--log-level', 'warn'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env, SLUICE_MODULE_LOG: log } },
  );
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr = (stderr + c).slice(-5_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}:\n${stderr}`);
      const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`operator exited with ${code} after SIGTERM:\n${stderr}`);
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((url) => url.startsWith('file://'))
      .map((url) => fileURLToPath(url).slice(ROOT.length));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('what the operator loads at start', () => {
  const env = devEnv();
  const namespace = randomName('sluice-op-lean');
  let db: Awaited<ReturnType<typeof tempDatabase>>;
  let modules: string[] = [];
  beforeAll(async () => {
    await installCrd();
    await kubectl(['create', 'namespace', namespace]);
    db = await tempDatabase(env.databaseUrl);
    modules = await operatorModules(
      { KUBECONFIG: env.kubeconfig, REDIS_URL: env.redisUrl, DATABASE_URL: db.url },
      namespace,
    );
  }, 120_000);
  afterAll(async () => {
    await kubectl(['delete', 'namespace', namespace, '--wait=false']);
    await db?.drop();
  });

  it("loads client-node's KubeConfig and its authenticators", () => {
    expect(modules).toContain(`${CLIENT_NODE}config.js`);
    expect(modules).toContain(`${CLIENT_NODE}exec_auth.js`);
    expect(modules).toContain('operator/kube/client-node-gen-off.ts');
  });

  it('never loads the generated API client (regression: 837 modules kept ~15 MB of source)', () => {
    const generated = modules.filter(
      (m) => m.startsWith(`${CLIENT_NODE}gen/`) && m !== `${CLIENT_NODE}gen/rxjsStub.js`,
    );
    expect(generated).toEqual([]);
    expect(modules).not.toContain(`${CLIENT_NODE}index.js`);
  });
});
