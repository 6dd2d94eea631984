#!/usr/bin/env node
/**
 * `kubectl sluice …`: kubectl finds this executable as `kubectl-sluice` on PATH (npm's bin).
 * The same commands run as `sluice status`, `sluice override …` (cli/sluice.ts).
 */
import { processIo } from './io.ts';
import { runPlugin } from './plugin/index.ts';

if (import.meta.main) {
  process.exitCode = await runPlugin(process.argv.slice(2), processIo);
}
