#!/usr/bin/env node
/**
 * The `sluice` command. Each subcommand lives in its own module, loaded only when it runs: the
 * image's entrypoint is `sluice sidecar`, and a sidecar must not load the operator's Kubernetes
 * client, the simulator or the validator (docs/adr/0028-lean-data-plane.md; sidecar/lean-start.test.ts checks it).
 */
import { type Io, processIo } from './io.ts';
import { PLUGIN_COMMANDS, runPlugin } from './plugin/index.ts';

type Run = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Run> }> = {
  sidecar: {
    summary: 'run the data plane beside a RAG app (ingress, egress, limits, fair queue)',
    load: async () => (await import('./sidecar.ts')).sidecar,
  },
  operator: {
    summary: 'run the operator (TenantPolicies to Redis/Postgres/status, admission webhooks)',
    load: async () => (await import('./operator.ts')).operator,
  },
  'noisy-neighbor': {
    summary: 'reproduce the noisy-neighbor incident and report what Sluice changes',
    load: async () => (await import('./noisy-neighbor.ts')).noisyNeighbor,
  },
  'prompt-check': {
    summary: 'screen JSON lines of queries/templates; --summary for precision and recall',
    load: async () => (await import('./prompt-check.ts')).promptCheck,
  },
  validate: {
    summary: "check TenantPolicy YAML offline with the API server's rules",
    load: async () => (await import('./validate.ts')).validate,
  },
  // The kubectl plugin's commands (`kubectl sluice …`, cli/plugin/), also as `sluice …`.
  ...Object.fromEntries(
    PLUGIN_COMMANDS.map((c) => {
      const word = c.name.split(' ')[0]!;
      return [
        word,
        {
          summary: `(kubectl sluice) ${c.summary}`,
          load: async (): Promise<Run> => (args, io) => runPlugin([word, ...args], io),
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
  return (await entry.load())(rest, io);
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
