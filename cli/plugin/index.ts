/**
 * `kubectl sluice <command>` (and `sluice <command>`): the support and on-call commands. One
 * table of commands; each command's flag table drives its parser and its --help.
 * docs/adr/0023-kubectl-sluice.md.
 */
import { isSluiceError } from '../../policy/errors.ts';
import type { Io } from '../io.ts';
import { type Command, type Deps, makeContext } from './command.ts';
import { createTenant } from './commands/create-tenant.ts';
import { override } from './commands/override.ts';
import { status } from './commands/status.ts';
import { resume, suspend } from './commands/suspend.ts';
import { top } from './commands/top.ts';
import { usage } from './commands/usage.ts';
import { GLOBAL_FLAGS, helpText, nearest, parseFlags } from './flags.ts';

export const PLUGIN_COMMANDS: readonly Command[] = [
  status,
  top,
  override,
  suspend,
  resume,
  usage,
  createTenant,
];

const defaultDeps: Deps = {
  env: process.env,
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

function overview(): string {
  const lines = [
    'kubectl sluice: support and on-call for Sluice tenants (TenantPolicies), with your kubeconfig.',
    '',
    'Commands:',
    ...PLUGIN_COMMANDS.map((c) => `  ${c.name.padEnd(16)} ${c.summary}`),
    '',
    'TENANT is a TenantPolicy name or a tenant id; tenantpolicy/NAME or tenant/ID says which.',
    'Every command takes -n/--namespace, --context, --kubeconfig and -h/--help.',
    'Exit codes: 0 done, 1 failed (the error names a SLUICE_* code, see docs/errors.md), 2 bad arguments.',
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs one command line; returns the exit code. Errors are printed, never thrown. */
export async function runPlugin(argv: readonly string[], io: Io, deps: Partial<Deps> = {}): Promise<number> {
  const d = { ...defaultDeps, ...deps };
  const [first, second] = argv;
  if (!first || first === '-h' || first === '--help' || first === 'help') {
    (first ? io.stdout : io.stderr).write(overview());
    return first ? 0 : 2;
  }
  const command =
    PLUGIN_COMMANDS.find((c) => c.name === `${first} ${second}`) ??
    PLUGIN_COMMANDS.find((c) => c.name === first);
  if (!command) {
    const guess =
      first === 'create'
        ? 'create tenant'
        : nearest(
            first,
            PLUGIN_COMMANDS.map((c) => c.name),
          );
    io.stderr.write(
      `error: SLUICE_ARGUMENT_INVALID: unknown command ${JSON.stringify(first === 'create' ? `${first} ${second ?? ''}`.trim() : first)}${guess ? `; did you mean "${guess}"?` : ''}\n\n${overview()}`,
    );
    return 2;
  }
  const rest = argv.slice(command.name.split(' ').length);
  const flags = [...command.flags, ...GLOBAL_FLAGS];
  try {
    const parsed = parseFlags(rest, flags, d.env);
    if (parsed.values['help'] === true) {
      io.stdout.write(helpText({ ...command, command: command.name, flags }));
      return 0;
    }
    const required = command.positionals.filter((p) => p.required).length;
    if (parsed.positionals.length < required || parsed.positionals.length > command.positionals.length) {
      const names = command.positionals.map((p) => (p.required ? p.name : `[${p.name}]`)).join(' ');
      io.stderr.write(
        `error: SLUICE_ARGUMENT_INVALID: ${command.name} takes ${names || 'no arguments'}, got ${parsed.positionals.length ? parsed.positionals.map((p) => JSON.stringify(p)).join(' ') : 'none'} (kubectl sluice ${command.name} --help)\n`,
      );
      return 2;
    }
    const ctx = makeContext(io, d, parsed.values, parsed.positionals, parsed.given);
    try {
      return await command.run(ctx);
    } finally {
      await ctx.close();
    }
  } catch (error) {
    if (isSluiceError(error)) {
      io.stderr.write(`error: ${error.code}: ${error.message}\n`);
      return error.code === 'SLUICE_ARGUMENT_INVALID' ? 2 : 1;
    }
    io.stderr.write(
      `error: unexpected failure, a bug in kubectl sluice (please report it): ${(error as Error)?.stack ?? String(error)}\n`,
    );
    return 1;
  }
}
