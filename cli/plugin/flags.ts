/**
 * One table per command drives the parser and the --help text (node:util parseArgs underneath).
 * Unknown flags are refused with the nearest known one suggested; every value is checked against
 * its type here, so commands receive typed values or never run. Pure.
 */
import { SluiceError } from '../../policy/errors.ts';
import { nearest } from '../../policy/nearest.ts';
import { parseSettings } from '../lib/settings/parse.ts';
import { type Setting, setting } from '../lib/settings/table.ts';
import { parseDurationMs } from './duration.ts';

export { nearest };

export type FlagType = 'string' | 'boolean' | 'int' | 'number' | 'duration' | 'enum' | 'date' | 'datetime';

export interface FlagSpec {
  /** Long name without dashes, e.g. "multiplier". */
  name: string;
  short?: string;
  type: FlagType;
  /** enum values. */
  values?: readonly string[];
  multiple?: boolean;
  /** Environment variables read when the flag is not given, first set wins. */
  env?: readonly string[];
  default?: string | number | boolean;
  /** Value placeholder in --help, e.g. "N" or "DURATION". */
  placeholder?: string;
  help: string;
  min?: number;
  max?: number;
}

export interface Positional {
  name: string;
  required: boolean;
  help: string;
}

export type FlagValue = string | number | boolean | string[] | undefined;
export type Values = Record<string, FlagValue>;

export interface Parsed {
  values: Values;
  positionals: string[];
  /** Names of the flags given on the command line (not from env or defaults). */
  given: Set<string>;
}

/** Flags every command takes (kubectl's names). */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'namespace',
    short: 'n',
    type: 'string',
    placeholder: 'NS',
    help: "namespace of the TenantPolicy (default: the kubeconfig context's, else default)",
  },
  { name: 'context', type: 'string', placeholder: 'NAME', help: 'kubeconfig context to use' },
  {
    name: 'kubeconfig',
    type: 'string',
    placeholder: 'FILE',
    env: ['KUBECONFIG'],
    help: 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)',
  },
  { name: 'help', short: 'h', type: 'boolean', help: 'show this help' },
];

const DURATION_HELP_MAX = 366 * 86_400_000;

export function parseFlags(
  args: readonly string[],
  flags: readonly FlagSpec[],
  env: Readonly<Record<string, string | undefined>> = {},
): Parsed {
  // The plugin's rows on the one settings parser (cli/lib/settings/parse.ts,
  // docs/adr/0035-one-settings-table.md); its own kinds (durations, dates, numbers) convert here.
  const table: Record<string, Setting<unknown>> = {};
  for (const f of flags) {
    const common = {
      flag: f.name,
      help: f.help,
      env: f.env?.[0] ?? '',
      envAlso: f.env?.slice(1) ?? [],
      ...(f.short ? { short: f.short } : {}),
      ...(f.placeholder ? { placeholder: f.placeholder } : {}),
    };
    const row: Setting<unknown> = f.multiple
      ? setting.multi(common)
      : f.type === 'boolean'
        ? setting.bool({ ...common, default: false })
        : setting.custom<unknown>({ ...common, default: undefined, convert: (text) => checkValue(f, text) });
    table[f.name] = f.multiple
      ? row
      : { ...row, default: f.default === undefined ? undefined : checkValue(f, f.default) };
  }
  const parsed = parseSettings(table, args, env, 'SLUICE_ARGUMENT_INVALID', { positionals: true });
  const values: Values = {};
  for (const f of flags) {
    const value = parsed.values[f.name];
    values[f.name] = f.multiple
      ? (value as readonly string[]).map((v) => checkValue(f, v) as string)
      : (value as FlagValue);
  }
  return { values, positionals: [...parsed.positionals], given: new Set(parsed.given) };
}

function checkValue(f: FlagSpec, value: unknown): FlagValue {
  const flag = `--${f.name}`;
  if (f.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw usage(`${flag} is true or false, not ${JSON.stringify(value)}`);
  }
  const text = String(value);
  switch (f.type) {
    case 'string':
      if (text === '') throw usage(`${flag} may not be empty`);
      return text;
    case 'enum': {
      if (f.values?.includes(text)) return text;
      const guess = nearest(text, f.values ?? []);
      throw usage(
        `${flag} must be one of ${(f.values ?? []).join(', ')}, not ${JSON.stringify(text)}${guess ? `; did you mean ${guess}?` : ''}`,
      );
    }
    case 'int':
    case 'number': {
      const n = Number(text);
      const ok = text.trim() !== '' && Number.isFinite(n) && (f.type === 'number' || Number.isInteger(n));
      if (!ok)
        throw usage(
          `${flag} must be ${f.type === 'int' ? 'a whole number' : 'a number'}, not ${JSON.stringify(text)}`,
        );
      if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
        throw usage(`${flag} must be between ${f.min} and ${f.max}, not ${text}`);
      }
      return n;
    }
    case 'duration': {
      const ms = parseDurationMs(text);
      if (ms === null || ms <= 0 || ms > DURATION_HELP_MAX) {
        throw usage(
          `${flag} must be a duration like 90s, 30m, 2h, 1h30m or 7d (up to 366d), not ${JSON.stringify(text)}`,
        );
      }
      return ms;
    }
    case 'date': {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
        throw usage(`${flag} must be a date YYYY-MM-DD (UTC), e.g. 2026-11-01, not ${JSON.stringify(text)}`);
      }
      if (new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text) {
        throw usage(`${flag} ${text} is not a calendar date`);
      }
      return text;
    }
    case 'datetime': {
      // RFC 3339 with a zone: what spec.override.expiresAt holds.
      if (
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text) ||
        Number.isNaN(Date.parse(text))
      ) {
        throw usage(
          `${flag} must be an RFC 3339 time with a zone, e.g. 2026-12-01T18:00:00Z, not ${JSON.stringify(text)}`,
        );
      }
      return text;
    }
  }
}

function usage(detail: string): SluiceError {
  return new SluiceError('SLUICE_ARGUMENT_INVALID', detail);
}

/** --help text from the table: usage line, summary, positionals, flags with defaults and env. */
export function helpText(spec: {
  command: string;
  summary: string;
  positionals: readonly Positional[];
  flags: readonly FlagSpec[];
  examples?: readonly string[];
  notes?: readonly string[];
}): string {
  const args = spec.positionals.map((p) => (p.required ? p.name : `[${p.name}]`)).join(' ');
  const lines = [
    `${spec.summary}`,
    '',
    `Usage: kubectl sluice ${spec.command}${args ? ` ${args}` : ''} [flags]`,
  ];
  if (spec.positionals.length > 0) {
    lines.push('', 'Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(24)} ${p.help}`);
  }
  lines.push('', 'Flags:');
  for (const f of spec.flags) {
    const value =
      f.type === 'boolean'
        ? ''
        : ` ${f.placeholder ?? (f.type === 'enum' ? (f.values ?? []).join('|') : f.type.toUpperCase())}`;
    const name = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${value}`;
    const extra = [
      f.default !== undefined && f.default !== false ? `default ${f.default}` : '',
      f.env ? `env ${f.env.join(', ')}` : '',
      f.multiple ? 'repeatable' : '',
    ].filter(Boolean);
    lines.push(`  ${name.padEnd(34)} ${f.help}${extra.length ? ` (${extra.join('; ')})` : ''}`);
  }
  for (const note of spec.notes ?? []) lines.push('', note);
  if (spec.examples?.length) {
    lines.push('', 'Examples:');
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  return `${lines.join('\n')}\n`;
}
