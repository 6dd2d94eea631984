/** What every plugin command gets, and the shape of a command's table entry. */
import type { Io } from '../io.ts';
import type { FlagSpec, Positional, Values } from './flags.ts';
import type { Cluster } from './kube.ts';

export interface Deps {
  env: Readonly<Record<string, string | undefined>>;
  /** Wall clock, ms. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface CommandContext extends Deps {
  io: Io;
  values: Values;
  positionals: string[];
  /** Flags given on the command line. */
  given: Set<string>;
  /** The cluster from --kubeconfig / --context / -n, connected on first use. */
  cluster(): Promise<Cluster>;
  /** Closes what cluster() opened. */
  close(): Promise<void>;
}

export interface Command {
  /** As typed after `kubectl sluice`, e.g. "override" or "create tenant". */
  name: string;
  positionals: readonly Positional[];
  /** The command's own flags; the global ones (-n, --context, --kubeconfig, -h) are added. */
  flags: readonly FlagSpec[];
  examples: readonly string[];
  notes?: readonly string[];
  run(ctx: CommandContext): Promise<number>;
}

export function makeContext(
  io: Io,
  deps: Deps,
  values: Values,
  positionals: string[],
  given: Set<string>,
): CommandContext {
  let cluster: Cluster | null = null;
  return {
    ...deps,
    io,
    values,
    positionals,
    given,
    async cluster() {
      // Loaded on first use: the Kubernetes client is most of the start-up (`top` never needs it).
      const { connectCluster } = await import('./kube.ts');
      cluster ??= connectCluster({
        kubeconfig: values['kubeconfig'] as string | undefined,
        context: values['context'] as string | undefined,
        namespace: values['namespace'] as string | undefined,
      });
      return cluster;
    },
    async close() {
      await cluster?.close().catch(() => undefined);
    },
  };
}

/** --dry-run, as kubectl spells it: none (default), client (nothing sent), server (validated, not stored). */
export const DRY_RUN_FLAG: FlagSpec = {
  name: 'dry-run',
  type: 'enum',
  values: ['none', 'client', 'server'],
  default: 'none',
  placeholder: 'none|client|server',
  help: 'client: print what would be sent, send nothing; server: the API server validates it (webhooks included) and stores nothing',
};

export const WAIT_FLAGS: readonly FlagSpec[] = [
  {
    name: 'wait',
    type: 'boolean',
    default: true,
    help: 'wait until the operator reports the change in effect on the sidecars (--wait=false to return at once)',
  },
  {
    name: 'timeout',
    type: 'duration',
    default: '60s',
    placeholder: 'DURATION',
    help: 'how long --wait waits',
  },
];
