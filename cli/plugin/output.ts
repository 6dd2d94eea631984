/**
 * Output like kubectl's: a table with upper-case headers and columns three spaces apart, or the
 * data as JSON / YAML, or CSV (RFC 4180, via csv-stringify) that a spreadsheet opens. Pure.
 */
import { stringify as csvStringify } from 'csv-stringify/sync';
import { stringify as yamlStringify } from 'yaml';

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return `${[line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n')}\n`;
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function yaml(value: unknown): string {
  return yamlStringify(value, { lineWidth: 0 });
}

/**
 * CSV for spreadsheets: a header row, CRLF line ends, fields with commas, quotes or line breaks
 * quoted (quotes doubled). Text that a spreadsheet would run as a formula (starting with = + - @,
 * a tab or a carriage return: OWASP's "CSV injection") gets a leading apostrophe; numbers are
 * written as numbers and never altered.
 */
export function csv(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return csvRecords([headers, ...rows]);
}

/** CSV lines for records (no header added), with the same rules as csv(). */
export function csvRecords(records: readonly (readonly (string | number)[])[]): string {
  const safe = records.map((r) =>
    r.map((c) => (typeof c === 'string' && /^[=+\-@\t\r]/.test(c) ? `'${c}` : c)),
  );
  // csv-stringify quotes the field and record delimiters it writes ("," and CRLF) but not a lone
  // LF or CR, which spreadsheets read as a new row: quote those too, and edge spaces (kept).
  return csvStringify(safe, { record_delimiter: '\r\n', quoted_match: /[\r\n]|^\s|\s$/ });
}

/** 1234567 → "1,234,567". */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Micro-dollars → "$12.345678" trimmed to cents where exact ("$12.30"). Exact integer arithmetic. */
export function usd(microUsd: number): string {
  const negative = microUsd < 0;
  const abs = Math.abs(Math.round(microUsd));
  const dollars = Math.floor(abs / 1_000_000);
  let fraction = String(abs % 1_000_000).padStart(6, '0');
  while (fraction.length > 2 && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${negative ? '-' : ''}$${dollars.toLocaleString('en-US')}.${fraction}`;
}

/** Micro-dollars → "12.345678" (always six decimals: exact, for CSV and JSON). */
export function usdDecimal(microUsd: number): string {
  const abs = Math.abs(Math.round(microUsd));
  return `${microUsd < 0 ? '-' : ''}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, '0')}`;
}

/** "3m" / "2h" / "5d" since a timestamp, like kubectl's AGE column. */
export function age(since: string | undefined, now: number): string {
  if (!since) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7_200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3_600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}
