import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FlagSpec, helpText, nearest, parseFlags } from './flags.ts';

const FLAGS: FlagSpec[] = [
  { name: 'multiplier', type: 'number', min: 0.1, max: 100, help: 'factor' },
  { name: 'for', type: 'duration', help: 'how long' },
  { name: 'until', type: 'datetime', help: 'when' },
  { name: 'from', type: 'date', help: 'first day' },
  { name: 'limit', type: 'int', min: 1, max: 50, default: 20, help: 'rows' },
  {
    name: 'output',
    short: 'o',
    type: 'enum',
    values: ['table', 'json', 'yaml'],
    default: 'table',
    help: 'format',
  },
  { name: 'watch', short: 'w', type: 'boolean', help: 'refresh' },
  { name: 'fallback', type: 'string', multiple: true, help: 'models' },
  { name: 'redis-url', type: 'string', env: ['SLUICE_REDIS_URL', 'REDIS_URL'], help: 'redis' },
];

const code = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('parseFlags', () => {
  it.each([
    [['--multiplier', '10'], { multiplier: 10 }],
    [['--multiplier=0.1'], { multiplier: 0.1 }],
    [['--for', '1h30m'], { for: 5_400_000 }],
    [['--until', '2026-12-01T18:00:00Z'], { until: '2026-12-01T18:00:00Z' }],
    [['--until', '2026-12-01T18:00:00+02:00'], { until: '2026-12-01T18:00:00+02:00' }],
    [['--from', '2026-11-01'], { from: '2026-11-01' }],
    [['-o', 'json'], { output: 'json' }],
    [['-ojson'], { output: 'json' }],
    [['-o=yaml'], { output: 'yaml' }],
    [['--watch'], { watch: true }],
    [['--watch=false'], { watch: false }],
    [['--fallback', 'a/b', '--fallback', 'c/d'], { fallback: ['a/b', 'c/d'] }],
    [[], { limit: 20, output: 'table', fallback: [] }],
  ])('%j → %j', (args, expected) => {
    expect(parseFlags(args, FLAGS).values).toMatchObject(expected);
  });

  it.each([
    [['--mulitplier', '10']],
    [['--multiplier']],
    [['--multiplier', 'ten']],
    [['--multiplier', '1000']],
    [['--multiplier', '']],
    [['--for', '2 hours']],
    [['--for', '0s']],
    [['--until', '2026-12-01 18:00']],
    [['--until', '2026-12-01T18:00:00']],
    [['--from', '2026-02-30']],
    [['--from', '01/11/2026']],
    [['--limit', '2.5']],
    [['-o', 'jsn']],
    [['--watch=maybe']],
    [['-x']],
  ])('%j is SLUICE_ARGUMENT_INVALID', (args) => {
    expect(code(() => parseFlags(args, FLAGS))).toBe('SLUICE_ARGUMENT_INVALID');
  });

  it('suggests the nearest flag and value', () => {
    expect(() => parseFlags(['--mulitplier', '3'], FLAGS)).toThrow(/did you mean --multiplier\?/);
    expect(() => parseFlags(['-o', 'jsn'], FLAGS)).toThrow(/did you mean json\?/);
    expect(() => parseFlags(['--xyzzy'], FLAGS)).not.toThrow(/did you mean/);
  });

  it('reads the environment when the flag is absent; the flag wins', () => {
    const env = { REDIS_URL: 'redis://b', SLUICE_REDIS_URL: 'redis://a' };
    expect(parseFlags([], FLAGS, env).values['redis-url']).toBe('redis://a');
    expect(parseFlags(['--redis-url', 'redis://c'], FLAGS, env).values['redis-url']).toBe('redis://c');
    expect(parseFlags([], FLAGS, env).given.has('redis-url')).toBe(false);
  });

  it('never throws anything but SLUICE_ARGUMENT_INVALID on arbitrary arguments', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.string(), fc.constantFrom('--multiplier', '--for', '-o', '--watch', '--', '-ojson')),
        ),
        (args) => {
          expect(['ok', 'SLUICE_ARGUMENT_INVALID']).toContain(code(() => parseFlags(args, FLAGS)));
        },
      ),
    );
  });

  it('help lists every flag of the table with its default and environment', () => {
    const help = helpText({ command: 'top', summary: 'Rank.', positionals: [], flags: FLAGS });
    for (const f of FLAGS) expect(help).toContain(`--${f.name}`);
    expect(help).toContain('default 20');
    expect(help).toContain('env SLUICE_REDIS_URL, REDIS_URL');
  });

  it.each([
    ['--mulitplier', ['--multiplier', '--help'], '--multiplier'],
    ['stauts', ['status', 'top', 'override'], 'status'],
    ['zzz', ['status', 'top'], null],
  ])('nearest(%s) = %s', (word, candidates, expected) => {
    expect(nearest(word, candidates)).toBe(expected);
  });
});
