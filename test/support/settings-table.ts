/**
 * The table-driven checks every settings table (cli/lib/settings/table.ts) gets: each entry
 * parses from its flag and from its environment variable, falls back to its default, a flag beats
 * the environment, and a bad value is refused with the registry code. A new row is covered the
 * moment it is added.
 */
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../cli/lib/settings/parse.ts';
import type { Setting, Table } from '../../cli/lib/settings/table.ts';

/** A valid value other than the default, as typed (`text`) and as parsed (`value`). */
function sample(s: Setting<unknown>, n: 1 | 2): { text: string; value: unknown } {
  switch (s.kind) {
    case 'int': {
      const v = s.default === s.max - (n - 1) ? s.min + (n - 1) : s.max - (n - 1);
      return { text: String(v), value: v };
    }
    case 'bool': {
      // The second sample is the default: a flag giving the first must beat it.
      const v = n === 1 ? !s.default : Boolean(s.default);
      return { text: String(v), value: v };
    }
    case 'enum': {
      const v = n === 1 ? s.values.find((x) => x !== s.default)! : String(s.default);
      return { text: v, value: v };
    }
    case 'list':
      return { text: ` a${n}, b${n} `, value: [`a${n}`, `b${n}`] };
    case 'multi':
      return { text: `m${n}`, value: [`m${n}`] };
    case 'string':
      return { text: `sample-${n}`, value: `sample-${n}` };
  }
}

/** Values no entry of this kind accepts. */
function bad(s: Setting<unknown>): string[] {
  switch (s.kind) {
    case 'int':
      return ['many', '1.5', '-1', '0x10', String(s.max + 1), ...(s.min > 0 ? [String(s.min - 1)] : [])];
    case 'bool':
      return ['maybe', 'yes please'];
    case 'enum':
      return ['no-such-value', s.values[0]!.toUpperCase() === s.values[0] ? 'x' : s.values[0]!.toUpperCase()];
    default:
      return [];
  }
}

export function describeSettingsTable(name: string, table: Table): void {
  const rows = Object.entries(table);
  // The required entries other than `key`, from the environment, so that `key` alone is at stake.
  const base = (key: string): Record<string, string> =>
    Object.fromEntries(
      rows.filter(([k, s]) => s.required && k !== key).map(([, s]) => [s.env, sample(s, 1).text]),
    );
  const parse = (key: string, args: string[], env: Record<string, string>) =>
    parseSettings(table, args, { ...base(key), ...env });
  const flagArgs = (s: Setting<unknown>, text: string) =>
    s.kind === 'bool' ? [text === 'true' ? `--${s.flag}` : `--no-${s.flag}`] : [`--${s.flag}`, text];

  describe(`${name} settings table`, () => {
    it.each(rows)('%s parses from its flag', (key, s) => {
      const { text, value } = sample(s, 1);
      expect(parse(key, flagArgs(s, text), {}).values[key]).toEqual(value);
      if (s.kind !== 'bool') expect(parse(key, [`--${s.flag}=${text}`], {}).values[key]).toEqual(value);
    });

    it.each(rows)('%s parses from its environment variable', (key, s) => {
      const { text, value } = sample(s, 1);
      expect(parse(key, [], { [s.env]: text }).values[key]).toEqual(value);
      for (const also of s.envAlso) expect(parse(key, [], { [also]: text }).values[key]).toEqual(value);
    });

    it.each(rows.filter(([, s]) => !s.required))('%s falls back to its default', (key, s) => {
      expect(parse(key, [], {}).values[key]).toEqual(s.default);
    });

    it.each(rows.filter(([, s]) => s.required))('%s is required', (key, s) => {
      expect(() => parse(key, [], {})).toThrow(
        expect.objectContaining({
          code: 'SLUICE_CONFIG_INVALID',
          detail: expect.stringContaining(`--${s.flag}`),
        }),
      );
    });

    it.each(rows)('%s: the flag beats the environment', (key, s) => {
      const one = sample(s, 1);
      const two = sample(s, 2);
      const env = Object.fromEntries([s.env, ...s.envAlso].map((e) => [e, two.text]));
      expect(parse(key, flagArgs(s, one.text), env).values[key]).toEqual(one.value);
    });

    it.each(rows.flatMap(([key, s]) => bad(s).map((v) => [key, s.flag, v] as const)))(
      '%s refuses --%s %j, from the flag and the environment',
      (key, flag, value) => {
        const s = table[key]!;
        const error = expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' });
        expect(() => parse(key, [`--${flag}=${value}`], {})).toThrow(error);
        expect(() => parse(key, [], { [s.env]: value })).toThrow(
          expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID', detail: expect.stringContaining(s.env) }),
        );
      },
    );

    it.each(rows.filter(([, s]) => s.kind !== 'bool'))('%s refuses a flag without a value', (key, s) => {
      expect(() => parse(key, [`--${s.flag}`], {})).toThrow(
        expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' }),
      );
    });

    it.each(rows)('%s: a one-letter typo of its flag is refused with the flag suggested', (key, s) => {
      const typo = `--${s.flag.slice(0, -1)}${s.flag.at(-1) === 'x' ? 'y' : 'x'}`;
      expect(() => parse(key, [`${typo}=1`], {})).toThrow(
        expect.objectContaining({
          code: 'SLUICE_CONFIG_INVALID',
          detail: expect.stringContaining(`did you mean --${s.flag}?`),
        }),
      );
    });

    it.each(rows.flatMap(([key, s]) => s.deprecated.map((d) => [key, s, d] as const)))(
      '%s: the deprecated spelling still works and warns',
      (key, s, d) => {
        const { text, value } = sample(s, 1);
        if (d.flag) {
          const parsed = parse(key, [`--${d.flag}`, text], {});
          expect(parsed.values[key]).toEqual(value);
          expect(parsed.warnings).toEqual([expect.stringContaining(`--${s.flag}`)]);
        }
        if (d.env) {
          const parsed = parse(key, [], { [d.env]: text });
          expect(parsed.values[key]).toEqual(value);
          expect(parsed.warnings).toEqual([expect.stringContaining(s.env)]);
          // The current name wins over the old one.
          expect(parse(key, [], { [d.env]: text, [s.env]: sample(s, 2).text }).values[key]).toEqual(
            sample(s, 2).value,
          );
        }
      },
    );
  });
}
