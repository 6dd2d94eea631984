import { describe, expect, it } from 'vitest';
import { SIDECAR_SETTINGS } from '../sidecar/config/settings.ts';
import { captureIo, expectHelpLists } from '../test/support/cli-io.ts';
import { sidecar } from './sidecar.ts';

describe('sluice sidecar', () => {
  it('prints every flag with its environment variable on --help', async () => {
    const t = captureIo();
    expect(await sidecar(['--help'], t.io, {})).toBe(0);
    expect(t.out()).toContain('--max-concurrency');
    expect(t.out()).toContain('SLUICE_FAILURE_MODE');
  });

  it.each(Object.entries(SIDECAR_SETTINGS))(
    '--help lists %s with its flag, variable and default',
    (_key, s) => expectHelpLists(sidecar, s),
  );

  it('warns on stderr when an old spelling is used', async () => {
    const t = captureIo();
    // Refused later (both sources), after the warning.
    const env = { SLUICE_KEY_PREFIX: 'p:' };
    expect(await sidecar(['--policies', 'x', '--redis-url', 'redis://r:6379'], t.io, env)).toBe(2);
    expect(t.err()).toContain('warning: SLUICE_KEY_PREFIX is deprecated; use SLUICE_REDIS_PREFIX');
  });

  it.each([
    [['--policies', 'examples/tenants', '--failure-mode', 'sometimes']],
    [['--upstream', 'http://127.0.0.1:8000']],
    [['--policies', 'examples/tenants', '--redis-ulr', 'redis://r']],
  ])('exits 2 with SLUICE_CONFIG_INVALID on %j', async (args) => {
    const t = captureIo();
    expect(await sidecar(args, t.io, {})).toBe(2);
    expect(t.err()).toContain('SLUICE_CONFIG_INVALID');
  });
});
