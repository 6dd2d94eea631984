#!/usr/bin/env node
/** Process entry for `sluice sidecar` until cli/sluice.ts wires it: npx node cli/sidecar-main.ts FLAGS. */
import { processIo } from './io.ts';
import { sidecar } from './sidecar.ts';

process.exitCode = await sidecar(process.argv.slice(2), processIo);
