import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSettings } from './parse.ts';
import { compose, setting } from './table.ts';

const TABLE = compose(
  {
    url: setting.optional({
      flag: 'redis-url',
      envAlso: ['REDIS_URL'],
      // A made-up old spelling: the sidecar's real one is tested in sidecar/config/settings.test.ts.
      deprecated: [{ flag: 'store', env: 'SLUICE_STORE' }],
      help: 'u',
    }),
    workers: setting.int({ flag: 'workers', default: 4, min: 1, max: 64, help: 'w' }),
    elect: setting.bool({ flag: 'leader-elect', default: true, help: 'e' }),
  },
  {
    mode: setting.enum({
      flag: 'failure-mode',
      values: ['local-share', 'open', 'closed'],
      default: 'open',
      help: 'm',
    }),
    fields: setting.list({ flag: 'cap-fields', default: ['top_k'], help: 'f' }),
    providers: setting.multi({ flag: 'provider', help: 'p' }),
  },
);

const code = { code: 'SLUICE_CONFIG_INVALID' };

describe('parseSettings', () => {
  it('reads flags, then the variable, then envAlso, then the deprecated spelling, then the default', () => {
    const env = { SLUICE_REDIS_URL: 'a', REDIS_URL: 'b', SLUICE_STORE: 'c' };
    expect(parseSettings(TABLE, ['--redis-url', 'f'], env).values.url).toBe('f');
    expect(parseSettings(TABLE, [], env).values.url).toBe('a');
    expect(parseSettings(TABLE, [], { REDIS_URL: 'b', SLUICE_STORE: 'c' }).values.url).toBe('b');
    expect(parseSettings(TABLE, [], { SLUICE_STORE: 'c' }).values.url).toBe('c');
    expect(parseSettings(TABLE, [], {}).values.url).toBeNull();
    expect(parseSettings(TABLE, [], { SLUICE_REDIS_URL: '' }).values.url).toBeNull();
  });

  it('collects a repeatable flag, and splits its variable on ";"', () => {
    expect(parseSettings(TABLE, ['--provider', 'a', '--provider=b'], {}).values.providers).toEqual([
      'a',
      'b',
    ]);
    expect(parseSettings(TABLE, [], { SLUICE_PROVIDER: 'a; b;' }).values.providers).toEqual(['a', 'b']);
  });

  it('returns frozen values and the keys given on the command line', () => {
    const parsed = parseSettings(TABLE, ['--workers', '2'], { SLUICE_FAILURE_MODE: 'closed' });
    expect(Object.isFrozen(parsed.values)).toBe(true);
    expect([...parsed.given]).toEqual(['workers']);
  });

  it.each([
    [['--workers'], '--workers needs a value'],
    [['--workers', '--leader-elect'], '--workers needs a value'],
    [['stray'], 'unexpected argument "stray"'],
    [['--', '--workers', '2'], 'unexpected "--"'],
    [['--no-workers'], 'unknown flag --no-workers'],
    [['-w', '2'], 'unknown flag -w'],
    [['--wrokers', '2'], 'did you mean --workers?'],
    [['--failure-mod=open'], 'did you mean --failure-mode?'],
    [['--zzzzzzzz'], 'unknown flag --zzzzzzzz (--help'],
    [['--failure-mode', 'closd'], 'did you mean closed?'],
    [['--leader-elect=maybe'], 'use true or false'],
    [['--redis-url='], 'may not be empty'],
    [['--workers', '1e3'], 'not a whole number'],
  ])('%j → SLUICE_CONFIG_INVALID saying %s', (args, detail) => {
    expect(() => parseSettings(TABLE, args, {})).toThrow(
      expect.objectContaining({ ...code, detail: expect.stringContaining(detail) }),
    );
  });

  it('takes the code a command gives (kubectl sluice uses SLUICE_ARGUMENT_INVALID)', () => {
    expect(() => parseSettings(TABLE, ['--nope'], {}, 'SLUICE_ARGUMENT_INVALID')).toThrow(
      expect.objectContaining({ code: 'SLUICE_ARGUMENT_INVALID' }),
    );
  });

  it('takes words, one-letter aliases and custom kinds when the command asks (kubectl sluice)', () => {
    const plugin = {
      output: setting.string({ flag: 'output', short: 'o', default: 'table', help: 'o' }),
      for: setting.custom<number>({
        flag: 'for',
        default: 0,
        help: 'f',
        convert: (text, where, fail) =>
          /^\d+s$/.test(text) ? Number.parseInt(text, 10) * 1000 : fail(`${where}: 90s`),
      }),
      yes: setting.bool({ flag: 'yes', default: false, help: 'y' }),
    };
    const parsed = parseSettings(
      plugin,
      ['acme', '-o=json', '--for', '90s', '--yes', 'true'],
      {},
      'SLUICE_ARGUMENT_INVALID',
      {
        positionals: true,
      },
    );
    // With words allowed, "true" after a boolean flag is a word, not the flag's value.
    expect(parsed.positionals).toEqual(['acme', 'true']);
    expect(parsed.values).toEqual({ output: 'json', for: 90_000, yes: true });
    expect(() => parseSettings(plugin, ['--for', '2 hours'], {}, 'SLUICE_ARGUMENT_INVALID')).toThrow(
      expect.objectContaining({
        code: 'SLUICE_ARGUMENT_INVALID',
        detail: expect.stringContaining('--for: 90s'),
      }),
    );
  });

  it('warns once per deprecated spelling used', () => {
    expect(parseSettings(TABLE, ['--store', 'x'], {}).warnings).toEqual([
      '--store is deprecated; use --redis-url',
    ]);
    expect(parseSettings(TABLE, ['--redis-url', 'x'], { SLUICE_STORE: 'y' }).warnings).toEqual([]);
  });

  it('refuses two parts declaring the same key, flag or variable', () => {
    const a = { x: setting.int({ flag: 'x', default: 1, min: 0, max: 9, help: '' }) };
    expect(() => compose(a, { x: setting.int({ flag: 'y', default: 1, min: 0, max: 9, help: '' }) })).toThrow(
      /key x/,
    );
    expect(() => compose(a, { y: setting.int({ flag: 'x', default: 1, min: 0, max: 9, help: '' }) })).toThrow(
      /--x/,
    );
    expect(() =>
      compose(a, { y: setting.int({ flag: 'y', env: 'SLUICE_X', default: 1, min: 0, max: 9, help: '' }) }),
    ).toThrow(/SLUICE_X/);
  });

  // Whatever the command line, the parser answers with values or a SluiceError: never another throw.
  it('answers any command line with values or SLUICE_CONFIG_INVALID', () => {
    const word = fc.oneof(
      fc.constantFrom(
        '--workers',
        '--store',
        '--redis-url',
        '--leader-elect',
        '--no-leader-elect',
        '--provider',
        '--',
        '-w',
        'true',
        '3',
        '=',
      ),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (args) => {
        try {
          parseSettings(TABLE, args, {});
        } catch (error) {
          expect(error).toMatchObject(code);
        }
      }),
      { numRuns: 500 },
    );
  });
});
