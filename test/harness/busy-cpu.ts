/**
 * Busy processes beside a test or a benchmark: the CPU contention of a shared machine, on demand.
 * Each busy process spins on one core until stopped, for at most `maxMs` (10 min by default), and
 * stops by itself when its parent is gone — a crashed test never leaves one behind.
 *
 *   const busy = await startBusyCpu(3);
 *   ... the exact-count test ...
 *   await busy.stop();
 *
 * From a shell, for loops such as "10 runs in a row beside busy processes":
 *   node test/harness/busy-cpu.ts 3 & ...; kill %1
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { killAndWait } from './kill.ts';

// Checks its parent every ~50 ms of spinning; exits when re-parented (parent died) or at maxMs.
const SPIN = `
const parent = process.ppid, end = Date.now() + Number(process.argv[1]);
for (;;) {
  const until = Date.now() + 50;
  while (Date.now() < until) {}
  if (process.ppid !== parent || Date.now() > end) process.exit(0);
}`;

export interface BusyCpu {
  /** How many busy processes are running. */
  count: number;
  stop(): Promise<void>;
}

/** Starts `n` busy processes (default: the SLUICE_BUSY_CPUS env, else 2). */
export async function startBusyCpu(n = Number(process.env['SLUICE_BUSY_CPUS'] ?? 2), maxMs = 600_000) {
  const children: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    children.push(spawn(process.execPath, ['-e', SPIN, String(maxMs)], { stdio: 'ignore' }));
  }
  const busy: BusyCpu = {
    count: n,
    stop: () => Promise.all(children.map(killAndWait)).then(() => undefined),
  };
  return busy;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 2);
  const busy = await startBusyCpu(n, Number(process.argv[3] ?? 600_000));
  process.stdout.write(`${JSON.stringify({ busy: n, pid: process.pid })}\n`);
  const stop = () => void busy.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setTimeout(stop, Number(process.argv[3] ?? 600_000)).unref();
  // Started through npx (test/harness/repeat-busy.sh), the shell's kill reaches npx, not this
  // process: it was left spinning for its whole hour. Gone with its parent, as its children are.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1_000);
}
