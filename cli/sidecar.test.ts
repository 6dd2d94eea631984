import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Io } from './io.ts';
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

  it.each([
    [['--policies', 'examples/tenants', '--failure-mode', 'sometimes']],
    [['--upstream', 'http://127.0.0.1:8000']],
  ])('exits 2 with SLUICE_CONFIG_INVALID on %j', async (args) => {
    const t = io();
    expect(await sidecar(args, t.io, {})).toBe(2);
    expect(t.err()).toContain('SLUICE_CONFIG_INVALID');
  });
});
