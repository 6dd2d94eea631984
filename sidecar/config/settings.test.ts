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
  ])('stops start-up on %j with SLUICE_CONFIG_INVALID', (args) => {
    expect(() => loadSettings(args, {})).toThrow(expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' }));
  });
});
