/**
 * What every `sluice` command does with its settings table (cli/lib/settings/table.ts) before it
 * runs: `--help` (or `-h`) prints the usage line and the flags generated from the table, with
 * defaults and variables, on stdout and exits 0; a bad setting (unknown flag with the nearest one
 * suggested, bad value, missing required one) prints `<program>: <CODE>: <detail>` and the
 * usage line on stderr and exits 2; deprecated spellings print a warning and go on.
 */
import { isSluiceError } from '../../../policy/errors.ts';
import type { Io } from '../../io.ts';
import { helpText } from './render.ts';
import type { Table } from './table.ts';

/** The settings, or the exit code when there is nothing to run (`--help`, or a bad setting). */
export function commandSettings<S>(
  /** As the user types it: "sluice sidecar". */
  program: string,
  usage: string,
  table: Table,
  args: readonly string[],
  io: Io,
  parse: (warn: (warning: string) => void) => S,
  about = '',
): { settings: S } | { exit: number } {
  const usageLine = `usage: ${program} ${usage}`;
  // Up to a `--`: after it, "--help" is a file name (sluice validate -- --help).
  const flags = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (flags.includes('--help') || flags.includes('-h')) {
    const parts = [usageLine, about.trimEnd()];
    if (Object.keys(table).length > 0)
      parts.push(
        `flags (a flag wins over its environment variable, which wins over the default):\n${helpText(table)}`,
      );
    io.stdout.write(`${parts.filter(Boolean).join('\n\n')}\n`);
    return { exit: 0 };
  }
  try {
    return { settings: parse((warning) => io.stderr.write(`${program}: warning: ${warning}\n`)) };
  } catch (error) {
    if (isSluiceError(error)) {
      io.stderr.write(`${program}: ${error.code}: ${error.message}\n${usageLine}\n`);
      return { exit: 2 };
    }
    throw error;
  }
}
