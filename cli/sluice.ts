#!/usr/bin/env node
/** The `sluice` command. Each subcommand lives in its own module and returns an exit code. */
import { type Io, processIo } from './io.ts';
import { noisyNeighbor } from './noisy-neighbor.ts';
import { operator } from './operator.ts';
import { PLUGIN_COMMANDS, runPlugin } from './plugin/index.ts';
import { promptCheck } from './prompt-check.ts';
import { sidecar } from './sidecar.ts';
import { validate } from './validate.ts';

const COMMANDS: Record<string, { summary: string; run: (args: string[], io: Io) => Promise<number> }> = {
  sidecar: {
    summary: 'run the data plane beside a RAG app (ingress, egress, limits, fair queue)',
    run: sidecar,
  },
  operator: {
    summary: 'run the operator (TenantPolicies to Redis/Postgres/status, admission webhooks)',
    run: operator,
  },
  'noisy-neighbor': {
    summary: 'reproduce the noisy-neighbor incident and report what Sluice changes',
    run: noisyNeighbor,
  },
  'prompt-check': {
    summary: 'screen JSON lines of queries/templates; --summary for precision and recall',
    run: promptCheck,
  },
  validate: { summary: "check TenantPolicy YAML offline with the API server's rules", run: validate },
  // The kubectl plugin's commands (`kubectl sluice …`, cli/plugin/), also as `sluice …`.
  ...Object.fromEntries(
    PLUGIN_COMMANDS.map((c) => {
      const word = c.name.split(' ')[0]!;
      return [
        word,
        {
          summary: `(kubectl sluice) ${c.summary}`,
          run: (args: string[], io: Io) => runPlugin([word, ...args], io),
        },
      ];
    }),
  ),
};

function usage(io: Io): void {
  io.stderr.write('usage: sluice <command> [args]\n\ncommands:\n');
  for (const [name, { summary }] of Object.entries(COMMANDS))
    io.stderr.write(`  ${name.padEnd(14)} ${summary}\n`);
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    usage(io);
    return command ? 0 : 2;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    io.stderr.write(`sluice: unknown command "${command}"\n`);
    usage(io);
    return 2;
  }
  return entry.run(rest, io);
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
