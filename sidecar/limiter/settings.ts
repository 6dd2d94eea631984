/**
 * The limiter's part of `sluice sidecar`'s settings (composed in sidecar/config/settings.ts;
 * docs/adr/0035-one-settings-table.md).
 */
import { setting } from '../../cli/lib/settings/table.ts';

export type FailureMode = 'local-share' | 'open' | 'closed';

export const LIMITER_SETTINGS = {
  redisCommandTimeoutMs: setting.int({
    flag: 'redis-command-timeout-ms',
    // A healthy Redis answers in well under 5 ms, but a slow one that answers is still exact: wait
    // for it. 3 s is past a 2 s latency spike with jitter, and short enough that a paused Redis
    // moves the replicas to the failure mode in seconds (docs/adr/0015-exact-under-pressure.md).
    default: 3_000,
    min: 1,
    max: 60_000,
    placeholder: 'MS',
    help: 'Longest a request waits for its Redis answer before it is refused with Retry-After 1 s; a connection silent this long while it owes replies is closed (docs/adr/0015).',
  }),
  failureMode: setting.enum({
    flag: 'failure-mode',
    values: ['local-share', 'open', 'closed'],
    default: 'local-share',
    help: 'What the limiter does while Redis is unreachable.',
  }),
  heartbeatMs: setting.int({
    flag: 'heartbeat-ms',
    default: 2_000,
    min: 100,
    max: 600_000,
    placeholder: 'MS',
    help: 'Replica heartbeat period, ms; a replica is live for 3 periods after its last beat.',
  }),
  replicaId: setting.string({
    flag: 'replica-id',
    default: `${process.env['HOSTNAME'] ?? 'sidecar'}-${process.pid}`,
    defaultText: '$HOSTNAME-<pid>',
    placeholder: 'ID',
    help: "This replica's id in the heartbeat set.",
  }),
} as const;
