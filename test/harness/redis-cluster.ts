/**
 * A real Redis Cluster on loopback from the Debian redis-server, for tests and benchmarks:
 * `masters` masters with `replicas` replicas each (default 3 + 3), `--cluster-enabled yes`,
 * created with `redis-cli --cluster create` (a single master gets all slots by
 * CLUSTER ADDSLOTSRANGE: redis-cli refuses fewer than 3). No persistence; stop() kills every
 * node and removes the folder.
 *
 *   const cluster = await startRedisCluster();
 *   ... cluster.url ...                       // redis+cluster://127.0.0.1:p1,...
 *   await cluster.kill(cluster.masterOf(slot)); // SIGKILL: its replica is promoted
 *   await cluster.migrateSlot(slot, toPort);    // live resharding of one slot (ASK/MOVED)
 *   await cluster.stop();
 *
 * cluster-node-timeout is 1 s so a failover takes a few seconds; cluster-require-full-coverage
 * is off, as docs/scale.md recommends, so the other slots keep serving while one master is down.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killAndWait } from './kill.ts';
import { commandOnce, freePort } from './redis-server.ts';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  id: string;
  role: 'master' | 'replica';
  /** Slot ranges [from, to] served (masters). */
  slots: [number, number][];
  alive: boolean;
}

export interface RedisCluster {
  url: string;
  /** Folder with each node's nodes-*.conf and node-*.log. */
  dir: string;
  ports: number[];
  /** The current view (CLUSTER NODES from a live node). */
  nodes(): Promise<ClusterNode[]>;
  /** Port of the master serving `slot` now. */
  masterOf(slot: number): Promise<number>;
  /** SIGKILL one node (no goodbye); resolves once it has exited. */
  kill(port: number): Promise<void>;
  /** Starts a killed node again (it rejoins as a replica of its promoted former replica). */
  restart(port: number): Promise<void>;
  /** Waits until every slot is served by a live master, every live node says ok and every replica has synced. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Moves one slot (and its keys) to the master on `toPort`, key batch by key batch. */
  migrateSlot(slot: number, toPort: number, options?: { batch?: number; pauseMs?: number }): Promise<number>;
  stop(): Promise<void>;
}

export async function startRedisCluster(
  options: { masters?: number; replicas?: number; binary?: string } = {},
): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const binary = options.binary ?? 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-cluster-'));
  const ports: number[] = [];
  while (ports.length < masters * (1 + replicas)) {
    const p = await freePort();
    // The cluster bus listens on port + 10000: both must be free.
    if (p <= 55_535 && !ports.includes(p) && (await isFree(p + 10_000))) ports.push(p);
  }
  const procs = new Map<number, ChildProcess>();
  const logs = new Map<number, string>();

  const startNode = async (port: number) => {
    const proc = spawn(
      binary,
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no'],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
        ...['--cluster-node-timeout', '1000', '--cluster-require-full-coverage', 'no'],
        // A lone node never learns its address from a peer: announce it, or CLUSTER SLOTS says "".
        ...['--cluster-announce-ip', '127.0.0.1'],
        ...['--dir', dir, '--save', '', '--appendonly', 'no', '--dbfilename', `dump-${port}.rdb`],
        ...['--logfile', `node-${port}.log`, '--repl-diskless-sync-delay', '0'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    procs.set(port, proc);
    const keep = (c: Buffer) => logs.set(port, ((logs.get(port) ?? '') + c).slice(-4_000));
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    proc.once('exit', () => {
      if (procs.get(port) === proc) procs.delete(port);
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (!procs.has(port)) throw new Error(`redis-server :${port} exited:\n${logs.get(port) ?? ''}`);
      if ((await cli(port, 'PING').catch(() => '')) === 'PONG') return;
      if (Date.now() > deadline)
        throw new Error(`redis-server :${port} did not start:\n${logs.get(port) ?? ''}`);
      await sleep(50);
    }
  };

  const stop = async () => {
    await Promise.all([...procs.keys()].map((p) => kill(p)));
    rmSync(dir, { recursive: true, force: true });
  };
  const kill = async (port: number) => {
    const proc = procs.get(port);
    if (!proc) return;
    await killAndWait(proc);
    procs.delete(port);
  };

  const nodes = async (): Promise<ClusterNode[]> => {
    for (const port of ports) {
      if (!procs.has(port)) continue;
      const text = await cli(port, 'CLUSTER', 'NODES').catch(() => '');
      if (text) return parseNodes(text);
    }
    throw new Error('no live cluster node');
  };

  const waitHealthy = async (timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const view = await nodes();
        const covered = view
          .filter((n) => n.role === 'master' && n.alive)
          .reduce((sum, n) => sum + n.slots.reduce((s, [a, b]) => s + b - a + 1, 0), 0);
        // A replica can only be promoted once it has synced: wait for every link to be up.
        const states = await Promise.all(
          [...procs.keys()].map(async (p) => {
            if (!/cluster_state:ok/.test(await cli(p, 'CLUSTER', 'INFO'))) return false;
            const repl = await cli(p, 'INFO', 'replication');
            return /role:master/.test(repl) || /master_link_status:up/.test(repl);
          }),
        );
        if (covered === 16_384 && states.every(Boolean)) return;
        last = `covered ${covered}, ok ${states.filter(Boolean).length}/${states.length}`;
      } catch (error) {
        last = String(error);
      }
      if (Date.now() > deadline) throw new Error(`redis cluster not healthy in ${timeoutMs} ms: ${last}`);
      await sleep(100);
    }
  };

  const masterOf = async (slot: number) => {
    const owner = (await nodes()).find(
      (n) => n.role === 'master' && n.alive && n.slots.some(([a, b]) => slot >= a && slot <= b),
    );
    if (!owner) throw new Error(`no live master serves slot ${slot}`);
    return owner.port;
  };

  const migrateSlot = async (slot: number, toPort: number, o: { batch?: number; pauseMs?: number } = {}) => {
    const view = await nodes();
    const fromPort = await masterOf(slot);
    if (fromPort === toPort) return 0;
    const id = (port: number) => view.find((n) => n.port === port)!.id;
    await cli(toPort, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', id(fromPort));
    await cli(fromPort, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', id(toPort));
    let moved = 0;
    for (;;) {
      const keys = (await cli(fromPort, 'CLUSTER', 'GETKEYSINSLOT', String(slot), String(o.batch ?? 1)))
        .split('\n')
        .filter(Boolean);
      if (keys.length === 0) break;
      await cli(fromPort, 'MIGRATE', '127.0.0.1', String(toPort), '', '0', '5000', 'KEYS', ...keys);
      moved += keys.length;
      if (o.pauseMs) await sleep(o.pauseMs);
    }
    // As redis-cli does: the destination first, then the source, then the other masters.
    const others = view.filter(
      (v) => v.role === 'master' && v.alive && v.port !== toPort && v.port !== fromPort,
    );
    for (const port of [toPort, fromPort, ...others.map((n) => n.port)])
      await cli(port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', id(toPort));
    return moved;
  };

  try {
    await Promise.all(ports.map(startNode));
    const addresses = ports.map((p) => `127.0.0.1:${p}`);
    if (masters >= 3) {
      await run('redis-cli', [
        '--cluster',
        'create',
        ...addresses,
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ]);
    } else {
      // redis-cli --cluster create wants 3 masters; lay the slots out by hand.
      const per = Math.ceil(16_384 / masters);
      for (let m = 0; m < masters; m++)
        await cli(
          ports[m]!,
          'CLUSTER',
          'ADDSLOTSRANGE',
          String(m * per),
          String(Math.min(16_383, (m + 1) * per - 1)),
        );
      for (const p of ports.slice(1)) await cli(p, 'CLUSTER', 'MEET', '127.0.0.1', String(ports[0]!));
      await waitMet(ports);
      const view = parseNodes(await cli(ports[0]!, 'CLUSTER', 'NODES'));
      for (let r = 0; r < masters * replicas; r++) {
        const master = view.find((n) => n.port === ports[r % masters])!;
        await cli(ports[masters + r]!, 'CLUSTER', 'REPLICATE', master.id);
      }
    }
    const cluster: RedisCluster = {
      url: `redis+cluster://${addresses.join(',')}`,
      dir,
      ports,
      nodes,
      masterOf,
      kill,
      restart: startNode,
      waitHealthy,
      migrateSlot,
      stop,
    };
    await waitHealthy();
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }

  async function waitMet(all: number[]) {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const known = parseNodes(await cli(all[0]!, 'CLUSTER', 'NODES')).length;
      if (known === all.length) return;
      await sleep(100);
    }
    throw new Error('cluster nodes did not meet');
  }
}

/** One command to one node with redis-cli-like text output (for the harness, not hot paths). */
async function cli(port: number, ...args: string[]): Promise<string> {
  const reply = await commandOnce(port, ...args);
  if (Array.isArray(reply)) return reply.map(String).join('\n');
  return String(reply);
}

function parseNodes(text: string): ClusterNode[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      const port = Number(/:(\d+)@/.exec(f[1]!)?.[1]);
      const flags = f[2]!.split(',');
      const slots: [number, number][] = [];
      for (const s of f.slice(8)) {
        if (s.startsWith('[')) continue; // migrating / importing markers
        const [a, b] = s.split('-');
        slots.push([Number(a), Number(b ?? a)]);
      }
      return {
        port,
        id: f[0]!,
        role: flags.includes('master') ? 'master' : 'replica',
        slots,
        alive: !flags.includes('fail') && !flags.includes('fail?') && f[7] === 'connected',
      } as ClusterNode;
    });
}

function isFree(port: number): Promise<boolean> {
  return import('node:net').then(
    ({ createServer }) =>
      new Promise((resolve) => {
        const s = createServer();
        s.once('error', () => resolve(false));
        s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
      }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
