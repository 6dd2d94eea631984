/**
 * The socket inactivity timeout against a real redis-server (redis-socket-timeout.ts): a reply
 * that arrived while this process was stalled past the timeout is read, not taken for a dead
 * connection; a Redis that really says nothing (SIGSTOP) still gets its connection closed.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../test/harness/redis-server.ts';
import { createRedisClient } from './redis-client.ts';
import { patchable } from './redis-socket-timeout.ts';

const TIMEOUT_MS = 300;

/** Blocks this process, as a busy machine does: nothing runs, replies wait in the socket. */
function stall(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin
  }
}

describe('Redis socket inactivity timeout', () => {
  let redis: RedisServer;
  let client: Redis;
  const closes: string[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    client = createRedisClient(redis.url, {
      failFast: true,
      maxRetriesPerRequest: 0,
      socketTimeoutMs: TIMEOUT_MS,
    }) as Redis;
    client.on('error', () => {});
    client.on('close', () => closes.push(client.status));
    await new Promise((resolve) => client.once('ready', resolve));
  });
  afterAll(async () => {
    redis?.resume();
    client?.disconnect();
    await redis?.stop();
  });

  it('still finds the ioredis method it replaces', () => {
    expect(patchable).toBe(true);
  });

  it('regression: a reply that waited in the socket while the process stalled past the timeout is read, the connection kept', async () => {
    // Before: the timer ran before the socket was read, closed a healthy connection, and the
    // command failed as lost (seen as 429s and a dropped settle on a machine at load 19).
    for (let i = 0; i < 5; i++) {
      const pong = client.ping();
      stall(3 * TIMEOUT_MS);
      await expect(pong).resolves.toBe('PONG');
    }
    expect(closes).toEqual([]);
    expect(client.status).toBe('ready');
  });

  it('a Redis that says nothing still has its connection closed', async () => {
    redis.pause();
    try {
      await expect(client.ping()).rejects.toThrow(); // the connection closed under it
    } finally {
      redis.resume();
    }
    expect(closes.length).toBeGreaterThan(0);
  });
});
