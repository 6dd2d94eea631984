/**
 * `kubectl sluice <command>` (and `sluice <command>`): the support and on-call commands. One
 * table of commands; each command's flag table drives its parser and its --help.
 * docs/adr/0023-kubectl-sluice.md.
 */
import { isSluiceError } from '../../policy/errors.ts';
import type { Io } from '../io.ts';
import { type Command, type Deps, makeContext } from './command.ts';
import { GLOBAL_FLAGS, helpText, nearest, parseFlags } from './flags.ts';

export interface CommandEntry {
  /** As typed after `kubectl sluice`. */
  name: string;
  summary: string;
  /**
   * The command's module loads only when it runs: start-up is CPU, and on a busy machine every
   * 100 ms of it is seconds (`top` never loads the Kubernetes client; `sluice sidecar`, which
   * lists these names, loads none of them).
   */
  load(): Promise<Command>;
}

export const PLUGIN_COMMANDS: readonly CommandEntry[] = [
  {
    name: 'status',
    summary:
      'Show tenants: tier, limits, override, Ready, the version the sidecars serve, today’s use against limits and budgets.',
    load: async () => (await import('./commands/status.ts')).status,
  },
  {
    name: 'top',
    summary: 'Rank tenants by request rate, rejections, LLM tokens or cost over the last N minutes.',
    load: async () => (await import('./commands/top.ts')).top,
  },
  {
    name: 'override',
    summary:
      "Grant a temporary change of a tenant's limits (10 = a 10x quota), or clear it. It ends by itself at its expiry.",
    load: async () => (await import('./commands/override.ts')).override,
  },
  {
    name: 'suspend',
    summary: 'Stop a tenant at once: every request gets 403 SLUICE_TENANT_SUSPENDED until it is resumed.',
    load: async () => (await import('./commands/suspend.ts')).suspend,
  },
  {
    name: 'resume',
    summary: 'Resume a suspended tenant.',
    load: async () => (await import('./commands/suspend.ts')).resume,
  },
  {
    name: 'usage',
    summary: 'LLM requests, tokens and cost per tenant, day, provider and model, from Postgres.',
    load: async () => (await import('./commands/usage.ts')).usage,
  },
  {
    name: 'create tenant',
    summary: 'Create a tenant: a Secret with a generated API key (printed once) and its TenantPolicy.',
    load: async () => (await import('./commands/create-tenant.ts')).createTenant,
  },
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
  const entry =
    PLUGIN_COMMANDS.find((c) => c.name === `${first} ${second}`) ??
    PLUGIN_COMMANDS.find((c) => c.name === first);
  if (!entry) {
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
  const rest = argv.slice(entry.name.split(' ').length);
  try {
    const command = await entry.load();
    const flags = [...command.flags, ...GLOBAL_FLAGS];
    const parsed = parseFlags(rest, flags, d.env);
    if (parsed.values['help'] === true) {
      io.stdout.write(helpText({ ...command, summary: entry.summary, command: command.name, flags }));
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
