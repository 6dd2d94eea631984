/**
 * The fault suite's tally: each fault test appends one JSON line with its real counts to
 * .cache/faults/counts.jsonl; summary.ts sums them. The polling helpers the fault tests use are
 * re-exported from test/support/until.ts.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const COUNTS_FILE = fileURLToPath(new URL('../../.cache/faults/counts.jsonl', import.meta.url));

export interface FaultCounts {
  test: string;
  /** Faults injected (a kill, a restart, a scripted provider failure…). */
  faults: number;
  /** Requests (or changes) sent while the faults were happening. */
  requests: number;
  /** Things that should have been recorded or answered and were not. */
  lost: number;
  /** Processes that died without being killed by the test. */
  crashes: number;
}

export function recordCounts(counts: FaultCounts): void {
  mkdirSync(fileURLToPath(new URL('../../.cache/faults/', import.meta.url)), { recursive: true });
  appendFileSync(COUNTS_FILE, `${JSON.stringify(counts)}\n`);
}

export { sleep, until } from '../support/until.ts';
