/**
 * What `sluice operator` and `sluice sidecar` share past their settings
 * (cli/lib/settings/command.ts): running until SIGTERM / SIGINT.
 */

/** Resolves on the first SIGTERM or SIGINT. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
