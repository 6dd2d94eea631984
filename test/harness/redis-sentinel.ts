/**
 * A Redis master, one replica and one sentinel (quorum 1) on loopback from the Debian
 * redis-server (`redis-server <conf> --sentinel`), for the redis+sentinel:// tests. stop() kills
 * all three and removes the folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAndWait } from './kill.ts';
import { commandOnce, freePort, REDIS_TEST_FLAGS } from './redis-server.ts';

export interface RedisSentinelSet {
  /** redis+sentinel://127.0.0.1:<sentinel>/mymaster */
  url: string;
  name: string;
  /** Port of the current master, as the sentinel says. */
  masterPort(): Promise<number>;
  /** SENTINEL FAILOVER: the replica becomes master. Resolves once the sentinel reports it. */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

export async function startRedisSentinel(): Promise<RedisSentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-sentinel-'));
  const [master, replica, sentinel] = [await freePort(), await freePort(), await freePort()];
  const procs: ChildProcess[] = [];
  const name = 'mymaster';
  const start = (args: string[]) => {
    const p = spawn('redis-server', args, { stdio: 'ignore' });
    procs.push(p);
  };
  const common = [...REDIS_TEST_FLAGS, '--dir', dir];
  start(['--port', String(master), ...common]);
  start(['--port', String(replica), ...common, '--replicaof', '127.0.0.1', String(master)]);
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinel}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${master} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      '',
    ].join('\n'),
  );
  start([conf, '--sentinel']);
  const ask = async <T>(port: number, ...args: string[]): Promise<T> =>
    (await commandOnce(port, ...args)) as T;
  const masterPort = async () =>
    Number((await ask<string[]>(sentinel, 'SENTINEL', 'get-master-addr-by-name', name))[1]);
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`redis sentinel set: ${what} not reached in 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    await Promise.all(procs.map(killAndWait));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(
      async () => /master_link_status:up/.test(await ask<string>(replica, 'INFO', 'replication')),
      'replica in sync',
    );
    await until(async () => (await masterPort()) === master, 'sentinel watching the master');
    // The sentinel must know the replica before it can fail over to it.
    await until(
      async () => (await ask<unknown[]>(sentinel, 'SENTINEL', 'replicas', name)).length === 1,
      'sentinel knows the replica',
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `redis+sentinel://127.0.0.1:${sentinel}/${name}`,
    name,
    masterPort,
    failover: async () => {
      const before = await masterPort();
      await ask(sentinel, 'SENTINEL', 'FAILOVER', name);
      await until(async () => (await masterPort()) !== before, 'failover');
      const now = await masterPort();
      await until(async () => /role:master/.test(await ask<string>(now, 'INFO', 'replication')), 'promotion');
      return now;
    },
    stop,
  };
}
