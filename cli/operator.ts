/** `sluice operator [flags]`: runs the operator until SIGTERM/SIGINT. */

import { startOperator } from '../operator/main.ts';
import { OPERATOR_SETTINGS, parseSettings } from '../operator/settings.ts';
import { isSluiceError } from '../policy/errors.ts';
import type { Io } from './io.ts';
import { helpText } from './lib/settings/render.ts';

export async function operator(
  args: string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(
      `usage: sluice operator --redis-url URL --database-url URL [flags]\n\nflags (a flag wins over its environment variable, which wins over the default):\n${helpText(OPERATOR_SETTINGS)}\n`,
    );
    return 0;
  }
  let settings: ReturnType<typeof parseSettings>;
  try {
    settings = parseSettings(args, env, (warning) =>
      io.stderr.write(`sluice operator: warning: ${warning}\n`),
    );
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
