/**
 * A private etcd + kube-apiserver (from $SLUICE_CONTROL_PLANE_BIN, the flags of dev-up.sh, the
 * dev PKI in $SLUICE_DEV_DIR/pki) on free loopback ports, for tests that restart the API server.
 * Never touches the shared control plane.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { devEnv } from './env.ts';
import { freePort } from './redis-server.ts';

const run = promisify(execFile);

export interface ApiServer {
  kubeconfig: string;
  port: number;
  /** Stops the API server (etcd keeps the data) and starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  destroy(): Promise<void>;
}

async function waitReady(kubeconfig: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await run('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz']);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error('private kube-apiserver did not become ready');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // kube-apiserver's graceful shutdown waits up to a minute for in-flight requests (watches
    // included); a restart in a test need not: SIGKILL after 3 s, as a crashed node would.
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startApiServer(): Promise<ApiServer> {
  const env = devEnv();
  const pki = join(env.devDir, 'pki');
  const bin = env.controlPlaneBin;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-apiserver-'));
  const [etcdPort, peerPort, port] = [await freePort(), await freePort(), await freePort()];
  const log = (name: string) => openSync(join(dir, `${name}.log`), 'a');
  const etcd = spawn(
    `${bin}/etcd`,
    [
      '--data-dir',
      join(dir, 'etcd'),
      '--name',
      'sluice-test',
      '--listen-client-urls',
      `http://127.0.0.1:${etcdPort}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${etcdPort}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-cluster',
      `sluice-test=http://127.0.0.1:${peerPort}`,
      '--listen-metrics-urls',
      '',
      '--unsafe-no-fsync',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', log('etcd'), log('etcd')] },
  );
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}", certificate-authority: "${pki}/ca.crt" } }]
users: [{ name: u, user: { client-certificate: "${pki}/admin.crt", client-key: "${pki}/admin.key" } }]
contexts: [{ name: c, context: { cluster: c, user: u, namespace: default } }]
current-context: c
`,
  );
  let apiserver: ChildProcess | null = null;
  const server: ApiServer = {
    kubeconfig,
    port,
    startApiServer: async () => {
      apiserver = spawn(
        `${bin}/kube-apiserver`,
        [
          ...['--etcd-servers', `http://127.0.0.1:${etcdPort}`],
          ...['--bind-address', '127.0.0.1'],
          ...['--advertise-address', '127.0.0.1'],
          ...['--secure-port', String(port)],
          ...['--tls-cert-file', `${pki}/apiserver.crt`],
          ...['--tls-private-key-file', `${pki}/apiserver.key`],
          ...['--client-ca-file', `${pki}/ca.crt`],
          ...['--service-account-issuer', 'https://kubernetes.default.svc.cluster.local'],
          ...['--service-account-key-file', `${pki}/sa.pub`],
          ...['--service-account-signing-key-file', `${pki}/sa.key`],
          ...['--service-cluster-ip-range', '10.96.0.0/16'],
          ...['--authorization-mode', 'RBAC'],
          '--allow-privileged=true',
          ...['--disable-admission-plugins', 'ServiceAccount'],
          ...['--cert-dir', join(dir, 'certs')],
          ...['--v', '0'],
        ],
        { stdio: ['ignore', log('apiserver'), log('apiserver')] },
      );
      await waitReady(kubeconfig, 120_000);
    },
    stopApiServer: () => stopChild(apiserver),
    restart: async (downMs = 2_000) => {
      await server.stopApiServer();
      await new Promise((r) => setTimeout(r, downMs));
      await server.startApiServer();
    },
    destroy: async () => {
      await stopChild(apiserver);
      await stopChild(etcd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.startApiServer();
  return server;
}
