/**
 * Has the version the operator wrote reached the sidecars? Pure: what the sidecars acknowledged
 * (sidecar/config/served-report.ts), the live replicas and the previous status → the
 * `Propagated` condition, `status.propagation`, what to do with the acknowledgement window and
 * when to look again. docs/adr/0022-served-acknowledgement.md.
 *
 * All times are Redis TIME (ms): the sidecars stamp their acknowledgements with it and the
 * operator reads it with them, so clock skew between machines cannot bend "took 0.4 s".
 */
import { decodeServed } from '../../policy/wire.ts';
import type { DesiredCondition } from './conditions.ts';

/** A window stays open this long after a write; after it, what is missing is reported as behind. */
export const ACK_WINDOW_MS = 600_000;
/**
 * A replica is live when its last heartbeat is this recent. Sidecars beat every 2 s by default
 * and prune peers silent for 3 beats themselves; 15 s only matters when every sidecar is gone.
 */
export const SIDECAR_LIVE_MS = 15_000;

/** What Redis said, read in one script (operator/stores/served.ts). */
export interface ServedSnapshot {
  /** Redis TIME, ms. */
  nowMs: number;
  /** Deadline of this tenant's window (possibly past), or null when none is open. */
  windowUntilMs: number | null;
  /** Replica ids with a heartbeat within SIDECAR_LIVE_MS. */
  live: string[];
  /** Replica id → "{version} {appliedAtMs}". */
  acks: Record<string, string>;
}

export interface PropagationStatus {
  version: string;
  /** When the operator wrote this version to Redis (unknown after an upgrade: unset). */
  writtenAt?: string;
  /** Live sidecars serving this version. */
  sidecars: number;
  liveSidecars: number;
  /**
   * Live sidecars that do not hold the tenant (docs/adr/0025): they serve no older version and
   * load this one at the tenant's first request, so they are not behind. Unset in statuses
   * written before it existed.
   */
  notHeld?: number;
  /** When the last live sidecar applied it; set once every live sidecar serves it. */
  propagatedAt?: string;
}

export interface PropagationPlan {
  propagation: PropagationStatus;
  condition: DesiredCondition;
  window: 'open' | 'close' | 'none';
  requeueAfterMs: number | null;
}

export interface PropagationInput {
  version: string;
  /** This pass writes a new record to Redis. */
  writing: boolean;
  served: ServedSnapshot | null;
  previous: PropagationStatus | undefined;
  previousCondition: DesiredCondition | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function planPropagation(input: PropagationInput): PropagationPlan {
  const { version, served, previous } = input;
  const same = previous?.version === version ? previous : undefined;
  if (!served) {
    return {
      propagation: same ?? { version, sidecars: 0, liveSidecars: 0 },
      condition: {
        type: 'Propagated',
        status: 'Unknown',
        reason: 'ReportUnavailable',
        message: 'could not read the sidecars’ acknowledgements from Redis; retried with the next reconcile',
      },
      window: 'none',
      requeueAfterMs: null,
    };
  }
  const now = served.nowMs;
  const writtenAtMs = input.writing ? now : same?.writtenAt ? Date.parse(same.writtenAt) : undefined;
  const open = served.windowUntilMs !== null && served.windowUntilMs > now;
  const expired = served.windowUntilMs !== null && !open;

  // No window and nothing new to learn: what we reported for this version still holds (a
  // sidecar started later loaded the current record; acknowledgements are only collected while
  // someone waits for a change).
  // Except "no sidecars": once some are live, learn whether they serve it (open a window).
  const learn = input.previousCondition?.reason === 'NoSidecars' && served.live.length > 0;
  if (!input.writing && !open && !expired && same && input.previousCondition && !learn) {
    return { propagation: same, condition: input.previousCondition, window: 'none', requeueAfterMs: null };
  }

  const live = [...served.live].sort();
  const serving: string[] = [];
  const notHeld: string[] = [];
  const behind: string[] = [];
  let lastApplied = Number.NEGATIVE_INFINITY;
  for (const replica of live) {
    // Every acknowledgement in the hash was written in this window (opening it empties the hash).
    const ack = served.acks[replica] ? decodeServed(served.acks[replica]) : null;
    if (ack && !ack.held) notHeld.push(replica);
    else if (ack && ack.version === version) {
      serving.push(replica);
      // A write that left the content as it was (say, only the generation moved) is in effect
      // from the write on, though the sidecar applied that content earlier.
      lastApplied = Math.max(lastApplied, ack.appliedAtMs, writtenAtMs ?? Number.NEGATIVE_INFINITY);
    } else behind.push(ack ? `${replica} (serves ${ack.version})` : `${replica} (no acknowledgement)`);
  }
  const propagation: PropagationStatus = {
    version,
    ...(writtenAtMs !== undefined ? { writtenAt: iso(writtenAtMs) } : {}),
    sidecars: serving.length,
    liveSidecars: live.length,
    // Always set, 0 included: the status is merge-patched, so an omitted field would keep the
    // count of an earlier pass (regression: "1 of 1 serve it, and 1 not held").
    notHeld: notHeld.length,
  };
  const notHeldText =
    notHeld.length > 0
      ? `; ${notHeld.length} do not hold the tenant and load this version at its first request there`
      : '';
  // A write opens the window; so does a version we have no record of (an upgraded operator).
  // Not while no sidecar is live: nobody would acknowledge, and one that starts later loads the
  // current record (the next pass with live sidecars opens it, see `learn`).
  const opening = live.length > 0 && (input.writing || (!open && !expired && (!same || learn)));
  const condition = (status: DesiredCondition['status'], reason: string, message: string) =>
    ({ type: 'Propagated', status, reason, message }) as const;

  if (live.length === 0) {
    return {
      propagation,
      condition: condition(
        'Unknown',
        'NoSidecars',
        `version ${version} is in Redis; no sidecar has sent a heartbeat in the last ${SIDECAR_LIVE_MS / 1000} s, so none serves it yet`,
      ),
      window: open || expired ? 'close' : 'none',
      requeueAfterMs: null,
    };
  }
  const shown = behind.slice(0, 5).join(', ') + (behind.length > 5 ? `, and ${behind.length - 5} more` : '');
  if (input.writing || (behind.length > 0 && (open || opening))) {
    // Still propagating: look again soon, then less often (a quarter of the age, 0.25–15 s).
    const age = writtenAtMs !== undefined ? now - writtenAtMs : 0;
    const deadline =
      writtenAtMs !== undefined ? writtenAtMs + ACK_WINDOW_MS : (served.windowUntilMs ?? now + ACK_WINDOW_MS);
    return {
      propagation,
      condition: condition(
        'False',
        'Propagating',
        input.writing
          ? `version ${version} is being written to Redis for ${live.length} live sidecar(s)`
          : `${serving.length} of ${live.length} live sidecar(s) serve version ${version}; waiting for ${shown}${notHeldText}`,
      ),
      window: opening ? 'open' : 'none',
      requeueAfterMs: Math.min(Math.max(250, Math.round(age / 4)), 15_000, Math.max(250, deadline - now)),
    };
  }
  if (behind.length === 0) {
    // Only sidecars that do not hold the tenant: it is in effect from the write on (each loads
    // the record written), or from now if the write time is unknown.
    if (serving.length === 0) lastApplied = writtenAtMs ?? now;
    const took =
      writtenAtMs !== undefined ? ` (${secondsText(lastApplied - writtenAtMs)} after the write)` : '';
    return {
      propagation: { ...propagation, propagatedAt: iso(lastApplied) },
      condition: condition(
        'True',
        'AllSidecarsServing',
        notHeld.length > 0
          ? `${serving.length} of ${live.length} live sidecar(s) serve version ${version} since ${iso(lastApplied)}${took}${notHeldText}`
          : `all ${live.length} live sidecar(s) serve version ${version} since ${iso(lastApplied)}${took}`,
      ),
      window: open || expired ? 'close' : 'none',
      requeueAfterMs: null,
    };
  }
  return {
    propagation,
    condition: condition(
      'False',
      'SidecarsBehind',
      `${serving.length} of ${live.length} live sidecar(s) serve version ${version} ${ACK_WINDOW_MS / 60_000} min after the write; behind: ${shown}${notHeldText}. Check those sidecars' Redis connection and logs`,
    ),
    window: open || expired ? 'close' : 'none',
    requeueAfterMs: null,
  };
}

function secondsText(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(3)} s`;
}
