/** Stopping the child processes the harness starts. */
import type { ChildProcess } from 'node:child_process';

/** SIGKILL (an outage, no goodbye to clients); resolves once the process has exited. */
export function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
