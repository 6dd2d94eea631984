import { describe, expect, it } from 'vitest';
import { describeSettingsTable } from '../../test/support/settings-table.ts';
import { loadSettings, SIDECAR_SETTINGS } from './settings.ts';

describeSettingsTable('sluice sidecar', SIDECAR_SETTINGS);

describe('loadSettings', () => {
  it('applies defaults, flags over env, and freezes', () => {
    const s = loadSettings(['--policies', 'examples/tenants', '--max-concurrency', '8'], {
      SLUICE_MAX_CONCURRENCY: '99',
      SLUICE_QUERY_FIELD: 'question',
    });
    expect(s).toMatchObject({ port: 8080, metricsPort: 9090, adminPort: 8082, maxConcurrency: 8 });
    expect(s.queryField).toBe('question');
    expect(s.capFields).toEqual(['top_k']);
    expect(Object.isFrozen(s)).toBe(true);
  });

  it.each([
    [['--policies', 'x', '--port', 'eighty']],
    [['--policies', 'x', '--port', '70000']],
    [['--policies', 'x', '--failure-mode', 'maybe']],
    [['--policies', 'x', '--upstream', 'not a url']],
    [['--policies', 'x', '--upstream', 'ftp://x']],
    [['--policies', 'x', '--redis-url', 'redis://localhost']],
    [['--policies', 'x', '--redis', 'redis://localhost']],
    [['--redis-url', 'http://localhost']],
    [[]],
    [['--policies', 'x', '--no-such-flag', '1']],
    [['--policies', 'x', '--port', '9000', '--metrics-port', '9000']],
    [['--policies', 'x', '--shadow=yes']],
    [['--policies', 'x', '--shadow', 'maybe']],
    [['--policies', 'x', 'stray']],
    [['--policies', 'x', '--redis-prefix', 'a{b}']],
    [['--policies', 'x', '--price', 'gpt-4=abc']],
    [['--policies', 'x', '--provider', 'x=grpc,http://a']],
  ])('stops start-up on %j with SLUICE_CONFIG_INVALID', (args) => {
    expect(() => loadSettings(args, {})).toThrow(expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' }));
  });

  it.each([
    // args, SLUICE_SHADOW, shadow
    [[], undefined, false],
    [['--shadow'], undefined, true],
    [['--shadow', 'true'], undefined, true],
    [['--shadow=false'], 'true', false],
    [[], 'true', true],
    [[], 'on', true],
    [[], '1', true],
    [[], 'false', false],
    [[], 'off', false],
    [['--no-shadow'], 'true', false],
    [['--shadow'], 'false', true],
  ] as const)('--shadow %j with SLUICE_SHADOW=%s → %s', (args, env, shadow) => {
    const s = loadSettings(['--policies', 'x', ...args], env === undefined ? {} : { SLUICE_SHADOW: env });
    expect(s.shadow).toBe(shadow);
  });

  it('refuses a SLUICE_SHADOW that is not a boolean, naming the variable', () => {
    expect(() => loadSettings(['--policies', 'x'], { SLUICE_SHADOW: 'maybe' })).toThrow(
      expect.objectContaining({
        code: 'SLUICE_CONFIG_INVALID',
        detail: expect.stringContaining('SLUICE_SHADOW'),
      }),
    );
  });

  it('suggests --redis-url for a misspelt --redis-url', () => {
    expect(() => loadSettings(['--redis-ulr', 'redis://x'], {})).toThrow(
      expect.objectContaining({
        code: 'SLUICE_CONFIG_INVALID',
        detail: expect.stringContaining('did you mean --redis-url?'),
      }),
    );
  });

  // The operator and kubectl sluice say --redis-url; charts and scripts written for the sidecar's
  // old --redis / SLUICE_REDIS keep working, with a warning at start.
  it.each([
    [['--redis', 'redis://old:6379'], {}, '--redis is deprecated; use --redis-url'],
    [
      [],
      { SLUICE_REDIS: 'redis://old:6379' },
      'SLUICE_REDIS is deprecated; use SLUICE_REDIS_URL (or --redis-url)',
    ],
  ])('reads the old spelling %j %j as --redis-url and warns', (args, env, warning) => {
    const warnings: string[] = [];
    const s = loadSettings(args, env, {}, (w) => warnings.push(w));
    expect(s.redisUrl).toBe('redis://old:6379');
    expect(warnings).toEqual([warning]);
  });

  // Regression: the egress documented SLUICE_KEY_PREFIX but the sidecar always passed its own
  // --redis-prefix, so the variable had no effect. It now sets the prefix (deprecated spelling).
  it('SLUICE_KEY_PREFIX sets the Redis key prefix of the limiter and the egress, with a warning', () => {
    const warnings: string[] = [];
    const s = loadSettings(['--redis-url', 'redis://r:6379'], { SLUICE_KEY_PREFIX: 'k:' }, {}, (w) =>
      warnings.push(w),
    );
    expect([s.redisPrefix, s.egressSettings.keyPrefix]).toEqual(['k:', 'k:']);
    expect(warnings).toEqual([expect.stringContaining('SLUICE_REDIS_PREFIX')]);
    const both = loadSettings(['--redis-url', 'redis://r:6379'], {
      SLUICE_KEY_PREFIX: 'k:',
      SLUICE_REDIS_PREFIX: 'r:',
    });
    expect([both.redisPrefix, both.egressSettings.keyPrefix]).toEqual(['r:', 'r:']);
  });

  it('gives the egress the prefix of an override (tests run on their own prefix)', () => {
    const s = loadSettings(['--policies', 'x'], {}, { redisPrefix: 't1:' });
    expect(s.egressSettings.keyPrefix).toBe('t1:');
  });

  it('reads providers and prices from flags and the environment into the egress settings', () => {
    const s = loadSettings(
      ['--policies', 'x', '--provider', 'local=anthropic,http://127.0.0.1:9', '--breaker-failures', '3'],
      { SLUICE_PRICES: 'local/m=1,2;local/n=3:4', SLUICE_EGRESS_BODY_LIMIT: '2048' },
    );
    expect(s.egressSettings.providers['local']).toMatchObject({ format: 'anthropic' });
    expect(s.egressSettings.prices).toEqual({
      'local/m': { inputPer1k: 1, outputPer1k: 2 },
      'local/n': { inputPer1k: 3, outputPer1k: 4 },
    });
    expect(s.egressSettings.breaker.failureThreshold).toBe(3);
    expect(s.egressSettings.bodyLimit).toBe(2048);
  });
});
