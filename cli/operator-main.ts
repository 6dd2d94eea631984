#!/usr/bin/env node
import { processIo } from './io.ts';
/** Process entry for `sluice operator` (child-process tests kill -9 it; the chart runs it). */
import { operator } from './operator.ts';

process.exitCode = await operator(process.argv.slice(2), processIo);
