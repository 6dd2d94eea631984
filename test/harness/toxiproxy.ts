/**
 * Shopify's toxiproxy (built from its Go module by test/harness/build-toxiproxy.sh, cached in
 * ~/.cache/sluice) as a loopback fault proxy in front of Redis, Postgres or the API server: the
 * client connects to the proxy's port, and the test adds latency (with jitter), cuts bandwidth,
 * stops data with the connection left open (half-open), resets connections, or disables the proxy.
 *
 *   const toxi = await startToxiproxy();
 *   const redisProxy = await toxi.proxy('redis', redis.port);   // connect to redisProxy.port
 *   await redisProxy.add({ type: 'latency', attributes: { latency: 300, jitter: 50 } });
 *   await redisProxy.clear();
 *   await toxi.stop();
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killAndWait } from './kill.ts';
import { freePort } from './redis-server.ts';

export interface Toxic {
  type: 'latency' | 'bandwidth' | 'timeout' | 'reset_peer' | 'slow_close' | 'slicer' | 'limit_data';
  /** downstream = server → client (default), upstream = client → server. */
  stream?: 'upstream' | 'downstream';
  name?: string;
  toxicity?: number;
  attributes: Record<string, number>;
}

export interface ToxiProxy {
  name: string;
  /** The port clients connect to instead of the real server's. */
  port: number;
  url(scheme: string): string;
  add(toxic: Toxic): Promise<string>;
  remove(name: string): Promise<void>;
  /** Removes every toxic. */
  clear(): Promise<void>;
  /** Disabled: open connections are closed and new ones refused; enabled again: as before. */
  enable(on: boolean): Promise<void>;
}

export interface Toxiproxy {
  proxy(name: string, upstreamPort: number): Promise<ToxiProxy>;
  stop(): Promise<void>;
}

export function toxiproxyBinary(): string {
  const script = fileURLToPath(new URL('./build-toxiproxy.sh', import.meta.url));
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export async function startToxiproxy(): Promise<Toxiproxy> {
  const binary = toxiproxyBinary();
  const apiPort = await freePort();
  const child = spawn(binary, ['-host', '127.0.0.1', '-port', String(apiPort)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'error' },
  });
  let output = '';
  child.stderr!.on('data', (c) => (output = (output + c).slice(-4_000)));
  const api = `http://127.0.0.1:${apiPort}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${api}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`toxiproxy ${method} ${path}: ${r.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await call('GET', '/proxies');
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`toxiproxy did not start: ${String(error)}\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    async proxy(name, upstreamPort) {
      const port = await freePort();
      await call('POST', '/proxies', {
        name,
        listen: `127.0.0.1:${port}`,
        upstream: `127.0.0.1:${upstreamPort}`,
        enabled: true,
      });
      const toxics = new Set<string>();
      const proxy: ToxiProxy = {
        name,
        port,
        url: (scheme) => `${scheme}://127.0.0.1:${port}`,
        async add(toxic) {
          const toxicName = toxic.name ?? `${toxic.type}-${toxic.stream ?? 'downstream'}-${toxics.size}`;
          await call('POST', `/proxies/${name}/toxics`, {
            name: toxicName,
            type: toxic.type,
            stream: toxic.stream ?? 'downstream',
            toxicity: toxic.toxicity ?? 1,
            attributes: toxic.attributes,
          });
          toxics.add(toxicName);
          return toxicName;
        },
        async remove(toxicName) {
          await call('DELETE', `/proxies/${name}/toxics/${toxicName}`);
          toxics.delete(toxicName);
        },
        async clear() {
          for (const t of [...toxics]) await proxy.remove(t);
        },
        async enable(on) {
          await call('POST', `/proxies/${name}`, { enabled: on });
        },
      };
      return proxy;
    },
    stop: () => killAndWait(child),
  };
}
