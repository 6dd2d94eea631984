/** The services `make dev-up` starts answer on loopback, as every integration test assumes. */
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { devEnv, kubectl } from './env.ts';

describe('dev control plane', () => {
  it('serves Redis on loopback', async () => {
    const url = new URL(devEnv().redisUrl);
    expect(url.hostname).toBe('127.0.0.1');
    const redis = new Redis(devEnv().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    await redis.quit();
  });

  it('serves PostgreSQL on loopback with the sluice database', async () => {
    const client = new pg.Client({ connectionString: devEnv().databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    expect(rows[0]!.db).toBe('sluice');
    await client.end();
  });

  it('serves a kube-apiserver of the pinned release with RBAC', async () => {
    const version = JSON.parse((await kubectl(['get', '--raw', '/version'])).stdout) as {
      gitVersion: string;
    };
    const pinned = /KUBERNETES_VERSION=(\S+)/.exec(
      (await import('node:fs')).readFileSync(new URL('./versions.sh', import.meta.url), 'utf8'),
    )![1];
    expect(version.gitVersion).toBe(`v${pinned}`);
    const rbac = await kubectl(['api-versions']);
    expect(rbac.stdout).toContain('rbac.authorization.k8s.io/v1');
  });
});
