/**
 * One settings table per command: each setting stated once (flag, environment variable, type,
 * default, help), and everything else derived from it: the parser (settings/parse.ts), `--help`
 * and the docs' flags tables (settings/render.ts), and the value type of the parsed settings
 * (`ValuesOf`). Each part of a command declares its own table; the command composes them
 * (docs/adr/0035-one-settings-table.md). Pure.
 */

export type Kind = 'string' | 'int' | 'bool' | 'enum' | 'list' | 'multi';

/** An older spelling kept working; using it logs a warning naming the new one. */
export interface Deprecated {
  flag?: string;
  env?: string;
}

export interface Setting<T> {
  /** Long flag without dashes, e.g. "redis-url". */
  readonly flag: string;
  /** Environment variable read when the flag is not given; default SLUICE_<FLAG>. */
  readonly env: string;
  /** Other variables accepted in this order after `env`, without a warning (e.g. REDIS_URL). */
  readonly envAlso: readonly string[];
  readonly deprecated: readonly Deprecated[];
  readonly kind: Kind;
  /** enum: the allowed values. */
  readonly values: readonly string[];
  /** int: inclusive bounds. */
  readonly min: number;
  readonly max: number;
  /** null = unset. */
  readonly default: T;
  /** Shown instead of the default when it is computed at start (host name, pid). */
  readonly defaultText: string | undefined;
  /** The start-up fails when neither the flag nor the environment gives it. */
  readonly required: boolean;
  /** Placeholder of the value in --help, e.g. URL, MS, N. */
  readonly placeholder: string;
  /** multi from the environment: how one variable holds several values (default ";"). */
  readonly envSplit: RegExp;
  readonly help: string;
  /** A one-letter alias (`-o json`), for commands that take them (kubectl sluice). */
  readonly short: string | undefined;
  /** string: turns the text into the value, or calls `fail` (durations, dates, numbers). */
  readonly convert: ((text: string, where: string, fail: (detail: string) => never) => T) | undefined;
  /** Phantom: the parsed value's type. */
  readonly __type?: T;
}

export type Table = Readonly<Record<string, Setting<unknown>>>;
export type ValuesOf<T extends Table> = {
  readonly [K in keyof T]: T[K] extends Setting<infer V> ? V : never;
};

interface Common {
  flag: string;
  help: string;
  env?: string;
  envAlso?: readonly string[];
  deprecated?: readonly Deprecated[];
  placeholder?: string;
  defaultText?: string;
  short?: string;
}

export const envName = (flag: string): string => `SLUICE_${flag.replaceAll('-', '_').toUpperCase()}`;

function make<T>(kind: Kind, c: Common, rest: Partial<Setting<T>> & { default: T }): Setting<T> {
  return Object.freeze({
    flag: c.flag,
    env: c.env ?? envName(c.flag),
    envAlso: c.envAlso ?? [],
    deprecated: c.deprecated ?? [],
    kind,
    values: [],
    min: 0,
    max: 0,
    defaultText: c.defaultText,
    required: false,
    placeholder: c.placeholder ?? kind.toUpperCase(),
    envSplit: /;/,
    help: c.help,
    short: c.short,
    convert: undefined,
    ...rest,
  });
}

/** Builders: the table's rows. The value type follows from the builder and the default. */
export const setting = {
  string: (c: Common & { default: string }) => make<string>('string', c, { default: c.default }),
  /** A string that may be left unset (null). */
  optional: (c: Common & { required?: boolean }) =>
    make<string | null>('string', c, { default: null, required: c.required ?? false }),
  int: (c: Common & { default: number; min: number; max: number }) =>
    make<number>('int', { placeholder: 'N', ...c }, { default: c.default, min: c.min, max: c.max }),
  bool: (c: Common & { default: boolean }) => make<boolean>('bool', c, { default: c.default }),
  enum: <const V extends string>(c: Common & { values: readonly V[]; default: V }) =>
    make<V>('enum', { placeholder: c.values.join('|'), ...c }, { default: c.default, values: c.values }),
  /** A string turned into a value of its own kind by `convert`; `default` is already converted. */
  custom: <T>(
    c: Common & {
      default: T;
      convert: (text: string, where: string, fail: (detail: string) => never) => T;
    },
  ) => make<T>('string', c, { default: c.default, convert: c.convert }),
  /** Comma-separated values, one flag. */
  list: (c: Common & { default: readonly string[] }) =>
    make<readonly string[]>('list', { placeholder: 'A,B', ...c }, { default: Object.freeze([...c.default]) }),
  /** A repeatable flag; in the environment the values are separated by `envSplit` (";"). */
  multi: (c: Common & { envSplit?: RegExp }) =>
    make<readonly string[]>('multi', c, {
      default: Object.freeze([]),
      ...(c.envSplit ? { envSplit: c.envSplit } : {}),
    }),
};

/**
 * Several parts' tables as one command's table. Two parts may not declare the same key, flag or
 * environment variable (thrown at load, so a clash cannot ship; settings tests load every table).
 */
export function compose<const Parts extends readonly Table[]>(...parts: Parts): UnionToTable<Parts> {
  const out: Record<string, Setting<unknown>> = {};
  const names = new Map<string, string>();
  for (const part of parts)
    for (const [key, s] of Object.entries(part)) {
      const spellings = [
        `key ${key}`,
        `--${s.flag}`,
        `$${s.env}`,
        ...s.envAlso.map((e) => `$${e}`),
        ...s.deprecated.flatMap((d) => [d.flag ? `--${d.flag}` : '', d.env ? `$${d.env}` : '']),
      ].filter(Boolean);
      for (const name of spellings) {
        const owner = names.get(name);
        if (owner) throw new Error(`settings: ${name} is declared by both ${owner} and ${key}`);
        names.set(name, key);
      }
      out[key] = s;
    }
  return Object.freeze(out) as UnionToTable<Parts>;
}

type UnionToTable<Parts extends readonly Table[]> = Parts extends readonly [
  infer H extends Table,
  ...infer R extends readonly Table[],
]
  ? H & UnionToTable<R>
  : unknown;
