import { describe, expect, it } from 'vitest';
import { describeSettingsTable } from '../test/support/settings-table.ts';
import { OPERATOR_SETTINGS, parseSettings } from './settings.ts';

const env = { REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://u@127.0.0.1/db' };

describeSettingsTable('sluice operator', OPERATOR_SETTINGS);

describe('parseSettings', () => {
  it('has defaults and is frozen', () => {
    const s = parseSettings([], env);
    expect(s.leaderElection).toMatchObject({
      leaseDurationMs: 10_000,
      renewIntervalMs: 2_000,
      retryIntervalMs: 2_000,
    });
    expect(s.webhook).toMatchObject({ tenantPolicyFailurePolicy: 'Fail', podFailurePolicy: 'Ignore' });
    expect(s.sidecar).toMatchObject({ args: ['sidecar'], env: {}, native: true });
    expect(Object.isFrozen(s.webhook)).toBe(true);
  });

  it('flags beat env', () => {
    expect(
      parseSettings(['--namespaces', 'a,b', '--workers=2'], { ...env, SLUICE_OPERATOR_WORKERS: '9' }),
    ).toMatchObject({
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
    [['--database-url', 'mysql://x']],
    [['--sidecar-pull-policy', 'Sometimes']],
    [['--redis-url', 'redis+sentinel://s1:26379']],
    [['--sidecar-env', 'NOEQUALS']],
    [['--webhook', 'maybe']],
  ])('%j → SLUICE_CONFIG_INVALID', (args) => {
    expect(() => parseSettings(args, env)).toThrow(
      expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' }),
    );
  });

  it('takes booleans as the chart and tests spell them: --flag, --flag=false, --flag false', () => {
    expect(parseSettings(['--webhook', '--leader-elect', 'false'], env)).toMatchObject({
      webhook: { enabled: true },
      leaderElection: { enabled: false },
    });
    expect(parseSettings(['--leader-elect=false', '--sidecar-native', '0'], env)).toMatchObject({
      leaderElection: { enabled: false },
      sidecar: { native: false },
    });
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

  // Regression: --sidecar-env split on every comma, so the chart's SLUICE_REDIS_URL=$(REDIS_URL)
  // with a redis+cluster:// URL (commas between the nodes) stopped the operator.
  it('passes a sidecar environment value that holds commas', () => {
    const s = parseSettings(
      [
        '--sidecar-env',
        'SLUICE_REDIS_URL=redis+cluster://a:7000,b:7000, SLUICE_REDIS_PREFIX=p:,NODE_OPTIONS=x',
      ],
      env,
    );
    expect(s.sidecar.env).toEqual({
      SLUICE_REDIS_URL: 'redis+cluster://a:7000,b:7000',
      SLUICE_REDIS_PREFIX: 'p:',
      NODE_OPTIONS: 'x',
    });
  });

  it('reads SLUICE_REDIS_URL and SLUICE_DATABASE_URL first, REDIS_URL and DATABASE_URL after', () => {
    const s = parseSettings([], {
      ...env,
      SLUICE_REDIS_URL: 'redis://a:1',
      SLUICE_DATABASE_URL: 'postgres://b/c',
    });
    expect([s.redisUrl, s.databaseUrl]).toEqual(['redis://a:1', 'postgres://b/c']);
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
