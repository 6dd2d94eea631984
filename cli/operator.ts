/** `sluice operator [flags]`: runs the operator until SIGTERM/SIGINT. */

import { startOperator } from '../operator/main.ts';
import { parseSettings, settingsHelp } from '../operator/settings.ts';
import { isSluiceError } from '../policy/errors.ts';
import type { Io } from './io.ts';

export async function operator(args: string[], io: Io): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`usage: sluice operator [flags]\n\nflags (or environment):\n${settingsHelp()}\n`);
    return 0;
  }
  let settings: ReturnType<typeof parseSettings>;
  try {
    settings = parseSettings(args);
  } catch (error) {
    if (isSluiceError(error)) {
      io.stderr.write(`sluice operator: ${error.code}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const handle = await startOperator(settings);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await handle.close();
  return 0;
}
