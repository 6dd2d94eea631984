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
  ])('%j → SLUICE_CONFIG_INVALID', (args) => {
    expect(() => parseSettings(args, env)).toThrow(
      expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' }),
    );
  });

  it('requires Redis and Postgres', () => {
    expect(() => parseSettings([], {})).toThrow(expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' }));
  });
});
