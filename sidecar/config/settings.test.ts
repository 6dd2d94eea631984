import { describe, expect, it } from 'vitest';
import { loadSettings } from './settings.ts';

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
    [['--policies', 'x', '--redis', 'redis://localhost']],
    [[]],
    [['--policies', 'x', '--no-such-flag', '1']],
    [['--policies', 'x', '--port', '9000', '--metrics-port', '9000']],
    [['--policies', 'x', '--shadow=yes']],
    [['--policies', 'x', '--shadow', 'true']],
  ])('stops start-up on %j with SLUICE_CONFIG_INVALID', (args) => {
    expect(() => loadSettings(args, {})).toThrow(expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' }));
  });

  it.each([
    // args, SLUICE_SHADOW, shadow
    [[], undefined, false],
    [['--shadow'], undefined, true],
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
});
