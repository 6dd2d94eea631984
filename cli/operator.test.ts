import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OPERATOR_SETTINGS } from '../operator/settings.ts';
import type { Io } from './io.ts';
import { defaultText } from './lib/settings/render.ts';
import { operator } from './operator.ts';

function io(): { io: Io; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c) => (o += c));
  stderr.on('data', (c) => (e += c));
  return { io: { stdin: new PassThrough(), stdout, stderr }, out: () => o, err: () => e };
}

describe('sluice operator', () => {
  it.each(Object.entries(OPERATOR_SETTINGS))(
    '--help lists %s with its flag, variable and default',
    async (_key, s) => {
      const t = io();
      expect(await operator(['--help'], t.io, {})).toBe(0);
      const line = t
        .out()
        .split('\n')
        .find((l) => l.startsWith(`  --${s.flag} `) || l === `  --${s.flag}`);
      expect(line).toBeDefined();
      expect(line).toContain(`default ${defaultText(s)}`);
      expect(line).toContain(s.env);
    },
  );

  it.each([
    [['--redis-url', 'redis://r:6379'], 'is required'],
    [['--redis-url', 'redis://r:6379', '--databse-url', 'postgres://d/b'], 'did you mean --database-url?'],
    [['--redis', 'redis://r:6379'], 'did you mean one of --redis-url, --redis-prefix?'],
  ])('exits 2 with SLUICE_CONFIG_INVALID on %j', async (args, detail) => {
    const t = io();
    expect(await operator(args, t.io, {})).toBe(2);
    expect(t.err()).toContain('SLUICE_CONFIG_INVALID');
    expect(t.err()).toContain(detail);
  });
});
