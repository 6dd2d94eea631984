/**
 * Your own redis-server on a free loopback port, for tests and benchmarks that must kill or
 * restart Redis (never the shared dev one). No persistence; stop() kills it, start() brings
 * it back on the same port (an outage, not a new server address).
 *
 *   const redis = await startRedisServer();
 *   ... redis.url ...
 *   await redis.stop();   // Redis is down
 *   await redis.start();  // back, empty
 *   await redis.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { killAndWait } from './kill.ts';

/** Loopback only, nothing written to disk, no protected mode: a throw-away test server. */
export const REDIS_TEST_FLAGS: readonly string[] = [
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--protected-mode',
  'no',
];

export interface RedisServer {
  url: string;
  port: number;
  /** Starts it (again) on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Kills it (SIGKILL: an outage, no goodbye to clients); resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing is answered (a hung Redis); resume() continues. */
  pause(): void;
  resume(): void;
  running(): boolean;
}

/** One command on a fresh connection to the server on `port`, closed after (for harness set-up, not hot paths). */
export async function commandOnce(port: number, ...args: string[]): Promise<unknown> {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await redis.call(args[0]!, ...args.slice(1));
  } finally {
    redis.disconnect();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRedisServer(
  options: { port?: number; binary?: string } = {},
): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const binary = options.binary ?? 'redis-server';
  let child: ChildProcess | null = null;

  const start = async () => {
    if (child) return;
    const proc = spawn(binary, ['--port', String(port), ...REDIS_TEST_FLAGS], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let output = '';
    proc.stdout!.on('data', (c) => (output = (output + c).slice(-4_000)));
    proc.stderr!.on('data', (c) => (output = (output + c).slice(-4_000)));
    proc.once('exit', () => {
      if (child === proc) child = null;
    });
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (child !== proc) throw new Error(`redis-server on port ${port} exited:\n${output}`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    await killAndWait(proc);
    child = null;
  };

  await start();
  const signal = (name: NodeJS.Signals) => {
    if (!child) throw new Error(`redis-server on port ${port} is not running`);
    child.kill(name);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop: async () => {
      if (child) child.kill('SIGCONT'); // a paused server must still die at once
      await stop();
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    running: () => child !== null,
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      // A PING answered with PONG means it is ready, not just listening.
      socket.write('PING\r\n');
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, '127.0.0.1');
  });
}
