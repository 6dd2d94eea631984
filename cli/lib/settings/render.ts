/**
 * `--help` and the docs' flags tables, both generated from a settings table
 * (cli/lib/settings/table.ts), so neither can drift from what the parser reads. Pure.
 */
import type { Setting, Table } from './table.ts';

/** The default as a user would type it; "(unset)" for none. */
export function defaultText(s: Setting<unknown>): string {
  if (s.defaultText !== undefined) return s.defaultText;
  const d = s.default;
  if (s.required) return '(required)';
  if (d === null || d === undefined) return '(unset)';
  if (Array.isArray(d)) return d.length === 0 ? '(none)' : d.join(',');
  return String(d);
}

function spellings(s: Setting<unknown>): string {
  const env = [s.env, ...s.envAlso].join(', ');
  const old = s.deprecated.flatMap((d) => [d.flag ? `--${d.flag}` : '', d.env ?? '']).filter(Boolean);
  return old.length ? `${env}; deprecated: ${old.join(', ')}` : env;
}

/** The flags part of `--help`: two lines per setting (flag, env, default; then what it does). */
export function helpText(table: Table): string {
  const lines: string[] = [];
  for (const s of Object.values(table)) {
    const flag = `--${s.flag}${s.kind === 'bool' ? '' : ` ${s.placeholder}`}`;
    const repeat = s.kind === 'multi' ? ', repeatable' : '';
    lines.push(`  ${flag.padEnd(38)} default ${defaultText(s)}${repeat}  [env ${spellings(s)}]`);
    lines.push(`      ${s.help}`);
  }
  return lines.join('\n');
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** A Markdown table of the settings, for docs (the generated block between the markers). */
export function markdownTable(table: Table): string {
  const rows = ['| Flag | Environment | Type | Default | Description |', '| --- | --- | --- | --- | --- |'];
  for (const s of Object.values(table)) {
    const type =
      s.kind === 'enum'
        ? s.values.join(' \\| ')
        : s.kind === 'int'
          ? `int ${s.min}..${s.max}`
          : s.kind === 'multi'
            ? 'string, repeatable'
            : s.kind === 'list'
              ? 'comma list'
              : s.kind;
    const env = [s.env, ...s.envAlso].map((e) => `\`${e}\``).join(', ');
    const old = s.deprecated.flatMap((d) => [d.flag ? `--${d.flag}` : '', d.env ?? '']).filter(Boolean);
    const shown = defaultText(s);
    const def = /^\(.*\)$/.test(shown) ? shown : `\`${shown}\``;
    const help = old.length
      ? `${s.help} Deprecated spellings, still read: ${old.map((o) => `\`${o}\``).join(', ')}.`
      : s.help;
    rows.push(`| \`--${s.flag}\` | ${env} | ${type} | ${cell(def)} | ${cell(help)} |`);
  }
  return rows.join('\n');
}

/** Markers around a generated table in a Markdown file. */
export const markers = (name: string) =>
  [
    `<!-- settings:${name} (generated from the settings table by make generate; do not edit) -->`,
    `<!-- /settings:${name} -->`,
  ] as const;

/** `text` with the block between `name`'s markers replaced by `table`; throws if the markers are missing. */
export function replaceBlock(text: string, name: string, table: string): string {
  const [open, close] = markers(name);
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`markers for ${name} not found`);
  return `${text.slice(0, start + open.length)}\n${table}\n${text.slice(end)}`;
}
