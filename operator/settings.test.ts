import { describe, expect, it } from 'vitest';
import { parseSettings } from './settings.ts';

const env = { REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://u@127.0.0.1/db' };

describe('parseSettings', () => {
  it('has defaults and is frozen', () => {
    const s = parseSettings([], env);
    expect(s.leaderElection).toMatchObject({
      leaseDurationMs: 10_000,
      renewIntervalMs: 2_000,
      retryIntervalMs: 2_000,
    });
    expect(s.webhook).toMatchObject({ tenantPolicyFailurePolicy: 'Fail', podFailurePolicy: 'Ignore' });
    expect(Object.isFrozen(s.webhook)).toBe(true);
  });

  it('flags beat env', () => {
    expect(parseSettings(['--namespaces', 'a,b', '--workers=2'], env)).toMatchObject({
      namespaces: ['a', 'b'],
      workers: 2,
    });
  });

  it.each([
    [['--workers', 'many']],
    [['--nope']],
    [['--webhook-pod-failure', 'Maybe']],
    [['--lease-renew-ms', '20000']],
    [['--redis-url', 'http://x']],
    [['--sidecar-pull-policy', 'Sometimes']],
    [['--redis-url', 'redis+sentinel://s1:26379']],
  ])('%j → SLUICE_CONFIG_INVALID', (args) => {
    expect(() => parseSettings(args, env)).toThrow(
      expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' }),
    );
  });

  it('injects the sidecar with the image pull policy it is given (IfNotPresent by default)', () => {
    expect(parseSettings([], env).sidecar.imagePullPolicy).toBe('IfNotPresent');
    expect(parseSettings([], { ...env, SLUICE_SIDECAR_PULL_POLICY: 'Never' }).sidecar.imagePullPolicy).toBe(
      'Never',
    );
  });

  it.each([
    'redis://127.0.0.1:6379',
    'redis+cluster://10.0.0.1:7000,10.0.0.2:7000',
    'redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster',
  ])('accepts the Redis URL form %s', (url) => {
    expect(parseSettings(['--redis-url', url], env).redisUrl).toBe(url);
  });

  it('takes a shard selector for the TenantPolicies it owns', () => {
    expect(parseSettings(['--shard-selector', 'sluice.dev/shard=a'], env).shardSelector).toBe(
      'sluice.dev/shard=a',
    );
    expect(parseSettings([], env).shardSelector).toBe('');
  });

  it('requires Redis and Postgres', () => {
    expect(() => parseSettings([], {})).toThrow(expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' }));
  });
});
