/**
 * The one settings parser (cli/lib/settings/table.ts): flags and environment → typed, frozen
 * values. Precedence per setting: the flag, then its environment variable (then `envAlso`, then
 * deprecated spellings), then the default. node:util parseArgs splits the command line; the walk
 * over its tokens here refuses what parseArgs would let through (an unknown flag, with the nearest
 * known one suggested; a value-less string flag; a stray word). Every error is a SluiceError with
 * the code the command gives (SLUICE_CONFIG_INVALID for the long-running commands). Pure.
 */
import { parseArgs } from 'node:util';
import { type ErrorCode, SluiceError } from '../../../policy/errors.ts';
import { nearest } from '../../../policy/nearest.ts';
import type { Setting, Table, ValuesOf } from './table.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Parsed<T extends Table> {
  readonly values: ValuesOf<T>;
  /** One line per deprecated spelling used, to log at start. */
  readonly warnings: readonly string[];
  /** Keys given on the command line. */
  readonly given: ReadonlySet<keyof T & string>;
  /** Words that are not flags, for commands that take them (`{ positionals: true }`). */
  readonly positionals: readonly string[];
}

export interface ParseOptions {
  /** Accept words that are not flags (kubectl sluice's tenant names); else they are refused. */
  positionals?: boolean;
}

const BOOL: Readonly<Record<string, boolean>> = {
  true: true,
  '1': true,
  on: true,
  false: false,
  '0': false,
  off: false,
};

export function parseSettings<T extends Table>(
  table: T,
  args: readonly string[],
  env: Env = process.env,
  code: ErrorCode = 'SLUICE_CONFIG_INVALID',
  parseOptions: ParseOptions = {},
): Parsed<T> {
  const fail = (detail: string): never => {
    throw new SluiceError(code, detail);
  };
  const byFlag = new Map<string, [string, Setting<unknown>, string | undefined]>();
  const byShort = new Map<string, [string, Setting<unknown>, undefined]>();
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [key, s] of Object.entries(table)) {
    for (const flag of [s.flag, ...s.deprecated.flatMap((d) => (d.flag ? [d.flag] : []))]) {
      byFlag.set(flag, [key, s, flag === s.flag ? undefined : flag]);
      options[flag] = { type: s.kind === 'bool' ? 'boolean' : 'string' };
    }
    if (s.short) {
      byShort.set(s.short, [key, s, undefined]);
      options[s.flag] = { ...options[s.flag]!, short: s.short };
    }
  }
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    allowNegative: true,
    tokens: true,
  });

  const warnings: string[] = [];
  const positionals: string[] = [];
  const fromFlags = new Map<string, string[]>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === 'option-terminator') {
      if (!parseOptions.positionals) fail('unexpected "--": this command takes flags only');
      continue;
    }
    if (token.kind === 'positional') {
      if (!parseOptions.positionals) fail(`unexpected argument ${JSON.stringify(token.value)}`);
      positionals.push(token.value);
      continue;
    }
    const negated = token.rawName.startsWith('--no-');
    const found = token.rawName.startsWith('--')
      ? byFlag.get(token.name)
      : byShort.get(token.rawName.slice(1));
    if (!found || (negated && found[1].kind !== 'bool')) {
      fail(`unknown flag ${token.rawName}${suggest(token.rawName, table)} (--help lists the flags)`);
    }
    const [key, s, oldFlag] = found!;
    if (oldFlag) warnings.push(`--${oldFlag} is deprecated; use --${s.flag}`);
    let raw: string;
    if (s.kind === 'bool') {
      const next = tokens[i + 1];
      if (negated) raw = 'false';
      else if (token.value !== undefined) raw = token.value;
      else if (!parseOptions.positionals && next?.kind === 'positional' && next.value.toLowerCase() in BOOL) {
        // `--leader-elect false`: the operator's charts and tests spell booleans this way.
        raw = next.value;
        i++;
      } else raw = 'true';
    } else {
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--')))
        fail(`--${s.flag} needs a value (${s.placeholder})`);
      raw = token.value!;
      // `-o=json` reaches us as "=json" (parseArgs keeps the "=" of short options).
      if (!token.rawName.startsWith('--') && raw.startsWith('=')) raw = raw.slice(1);
    }
    fromFlags.set(key, [...(s.kind === 'multi' ? (fromFlags.get(key) ?? []) : []), raw]);
  }

  const values: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(table)) {
    const flagged = fromFlags.get(key);
    if (flagged) {
      const where = `--${s.flag}`;
      values[key] =
        s.kind === 'multi'
          ? Object.freeze(flagged.map((v) => v.trim()).filter(Boolean))
          : convert(s, flagged[0]!, where, fail);
      continue;
    }
    const fromEnv = readEnv(s, env, warnings);
    if (fromEnv) {
      const where = `${fromEnv.name} (--${s.flag})`;
      values[key] =
        s.kind === 'multi'
          ? Object.freeze(
              fromEnv.value
                .split(s.envSplit)
                .map((v) => v.trim())
                .filter(Boolean),
            )
          : convert(s, fromEnv.value, where, fail);
      continue;
    }
    if (s.required) fail(`--${s.flag} (or ${s.env}) is required: ${s.help}`);
    values[key] = s.default;
  }
  return Object.freeze({
    values: Object.freeze(values) as ValuesOf<T>,
    warnings: Object.freeze(warnings),
    given: new Set(fromFlags.keys()) as ReadonlySet<keyof T & string>,
    positionals: Object.freeze(positionals),
  });
}

/** "; did you mean --redis-url?" for a typo; the flags it begins, for a stem ("--redis"). */
function suggest(rawName: string, table: Table): string {
  const word = rawName.replace(/^-+/, '--');
  const flags = Object.values(table).map((s) => `--${s.flag}`);
  const guess = nearest(word, flags);
  if (guess) return `; did you mean ${guess}?`;
  const longer = flags.filter((f) => f.startsWith(`${word}-`));
  if (longer.length === 0 || longer.length > 4) return '';
  return `; did you mean ${longer.length === 1 ? longer[0] : `one of ${longer.join(', ')}`}?`;
}

function readEnv(s: Setting<unknown>, env: Env, warnings: string[]): { name: string; value: string } | null {
  for (const name of [s.env, ...s.envAlso]) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  for (const d of s.deprecated) {
    const value = d.env === undefined ? undefined : env[d.env];
    if (value !== undefined && value !== '') {
      warnings.push(`${d.env} is deprecated; use ${s.env} (or --${s.flag})`);
      return { name: d.env!, value };
    }
  }
  return null;
}

function convert(s: Setting<unknown>, raw: string, where: string, fail: (d: string) => never): unknown {
  switch (s.kind) {
    case 'string':
      if (raw === '') fail(`${where} may not be empty`);
      return s.convert ? s.convert(raw, where, fail) : raw;
    case 'bool': {
      const value = BOOL[raw.trim().toLowerCase()];
      return value ?? fail(`${where} = ${JSON.stringify(raw)}: use true or false (also 1/0, on/off)`);
    }
    case 'enum': {
      if (s.values.includes(raw)) return raw;
      const guess = nearest(raw, s.values);
      return fail(
        `${where} = ${JSON.stringify(raw)}: use one of ${s.values.join(', ')}${guess ? `; did you mean ${guess}?` : ''}`,
      );
    }
    case 'int': {
      // 30_000 reads as in the docs; no signs, exponents, hex or blanks.
      const text = raw.trim().replaceAll('_', '');
      if (!/^[0-9]+$/.test(text)) fail(`${where} = ${JSON.stringify(raw)}: not a whole number`);
      const n = Number(text);
      if (n < s.min || n > s.max)
        fail(`${where} = ${JSON.stringify(raw)}: must be between ${s.min} and ${s.max}`);
      return n;
    }
    case 'list':
      return Object.freeze(
        raw
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      );
    case 'multi':
      return Object.freeze([raw]);
  }
}
