/**
 * The fault suite's tally: each fault test appends one JSON line with its real counts to
 * .cache/faults/counts.jsonl; summary.ts sums them. Also small polling helpers the fault tests
 * share (no timed assertions: poll for a condition with a generous deadline).
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

export async function until<T>(
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  what: string,
  ms = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${String(last ?? '')})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
