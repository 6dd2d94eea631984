#!/usr/bin/env node
/**
 * Sums .cache/faults/counts.jsonl (one line per fault test) into one line:
 *   faults=N requests=N lost=N crashes=N tests=N
 * (tests = fault tests that reported, one line each: kills and restarts, and the latency and
 * half-open faults through toxiproxy — redis-slow, redis-half-open, pg-slow, api-slow).
 * Exits 1 when the file is missing or empty, or when anything was lost or crashed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { COUNTS_FILE, type FaultCounts } from './counts.ts';

export function summarise(text: string): { line: string; ok: boolean; tests: number } {
  const total = { faults: 0, requests: 0, lost: 0, crashes: 0 };
  let tests = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    const row = JSON.parse(raw) as FaultCounts;
    tests += 1;
    total.faults += row.faults;
    total.requests += row.requests;
    total.lost += row.lost;
    total.crashes += row.crashes;
  }
  const line = `faults=${total.faults} requests=${total.requests} lost=${total.lost} crashes=${total.crashes} tests=${tests}`;
  return { line, ok: tests > 0 && total.lost === 0 && total.crashes === 0, tests };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!existsSync(COUNTS_FILE)) {
    process.stderr.write(`${COUNTS_FILE} is missing: run the fault suite (test/faults) first\n`);
    process.exit(1);
  }
  const { line, ok } = summarise(readFileSync(COUNTS_FILE, 'utf8'));
  process.stdout.write(`${line}\n`);
  process.exit(ok ? 0 : 1);
}
