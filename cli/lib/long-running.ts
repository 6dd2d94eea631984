/**
 * What `sluice operator` and `sluice sidecar` share: `--help` from the command's settings table,
 * reading the settings (a bad one exits 2 with its error code), and running until SIGTERM / SIGINT.
 */
import { isSluiceError } from '../../policy/errors.ts';
import type { Io } from '../io.ts';
import { helpText } from './settings/render.ts';
import type { Table } from './settings/table.ts';

/** The settings, or the exit code when there is nothing to run (`--help`, or a bad setting). */
export function commandSettings<S>(
  command: string,
  usage: string,
  table: Table,
  args: readonly string[],
  io: Io,
  parse: (warn: (warning: string) => void) => S,
): { settings: S } | { exit: number } {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(
      `usage: sluice ${command} ${usage}\n\nflags (a flag wins over its environment variable, which wins over the default):\n${helpText(table)}\n`,
    );
    return { exit: 0 };
  }
  try {
    return { settings: parse((warning) => io.stderr.write(`sluice ${command}: warning: ${warning}\n`)) };
  } catch (error) {
    if (isSluiceError(error)) {
      io.stderr.write(`sluice ${command}: ${error.code}: ${error.message}\n`);
      return { exit: 2 };
    }
    throw error;
  }
}

/** Resolves on the first SIGTERM or SIGINT. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
