import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SIDECAR_SETTINGS } from '../sidecar/config/settings.ts';
import type { Io } from './io.ts';
import { defaultText } from './lib/settings/render.ts';
import { sidecar } from './sidecar.ts';

function io(): { io: Io; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c) => (o += c));
  stderr.on('data', (c) => (e += c));
  return { io: { stdin: new PassThrough(), stdout, stderr }, out: () => o, err: () => e };
}

describe('sluice sidecar', () => {
  it('prints every flag with its environment variable on --help', async () => {
    const t = io();
    expect(await sidecar(['--help'], t.io, {})).toBe(0);
    expect(t.out()).toContain('--max-concurrency');
    expect(t.out()).toContain('SLUICE_FAILURE_MODE');
  });

  it.each(Object.entries(SIDECAR_SETTINGS))(
    '--help lists %s with its flag, variable and default',
    async (_key, s) => {
      const t = io();
      expect(await sidecar(['--help'], t.io, {})).toBe(0);
      const line = t
        .out()
        .split('\n')
        .find((l) => l.startsWith(`  --${s.flag} `) || l === `  --${s.flag}`);
      expect(line).toBeDefined();
      expect(line).toContain(`default ${defaultText(s)}`);
      expect(line).toContain(s.env);
    },
  );

  it('warns on stderr when an old spelling is used', async () => {
    const t = io();
    // Refused later (both sources), after the warning.
    expect(await sidecar(['--policies', 'x', '--redis', 'redis://r:6379'], t.io, {})).toBe(2);
    expect(t.err()).toContain('warning: --redis is deprecated; use --redis-url');
  });

  it.each([
    [['--policies', 'examples/tenants', '--failure-mode', 'sometimes']],
    [['--upstream', 'http://127.0.0.1:8000']],
    [['--policies', 'examples/tenants', '--redis-ulr', 'redis://r']],
  ])('exits 2 with SLUICE_CONFIG_INVALID on %j', async (args) => {
    const t = io();
    expect(await sidecar(args, t.io, {})).toBe(2);
    expect(t.err()).toContain('SLUICE_CONFIG_INVALID');
  });
});
