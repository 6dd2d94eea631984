/**
 * Lease-based leader election, the decision only (client-go's leaderelection): pure, with the
 * time passed in. Expiry is judged by when WE last saw the lease record change, on our clock —
 * never by comparing the holder's renewTime with our clock, so clock skew between nodes cannot
 * make two leaders.
 */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

export interface Observation {
  /** holder|renewTime|transitions of the record last seen, or null. */
  record: string | null;
  /** Our clock when that record was first seen. */
  atMs: number;
}

export type LeaseDecision =
  | { action: 'create' | 'renew' | 'acquire'; spec: LeaseSpec; observation: Observation }
  | { action: 'wait'; observation: Observation; holder: string };

export function decideLease(
  lease: LeaseSpec | null,
  observation: Observation,
  identity: string,
  nowMs: number,
  leaseDurationMs: number,
): LeaseDecision {
  const now = new Date(nowMs).toISOString().replace(/Z$/, '000Z');
  const seconds = Math.ceil(leaseDurationMs / 1000);
  if (!lease) {
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: seconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    return { action: 'create', spec, observation };
  }
  const holder = lease.holderIdentity ?? '';
  if (holder === identity) {
    return {
      action: 'renew',
      spec: { ...lease, renewTime: now, leaseDurationSeconds: seconds },
      observation,
    };
  }
  const takeOver = (): LeaseDecision => ({
    action: 'acquire',
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: seconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: (lease.leaseTransitions ?? 0) + 1,
    },
    observation,
  });
  // Released (graceful shutdown of the old leader): take it at once.
  if (holder === '') return takeOver();
  const record = `${holder}|${lease.renewTime ?? ''}|${lease.leaseTransitions ?? 0}`;
  if (record !== observation.record) return { action: 'wait', observation: { record, atMs: nowMs }, holder };
  const duration = Math.max(leaseDurationMs, (lease.leaseDurationSeconds ?? 0) * 1000);
  if (nowMs - observation.atMs >= duration) return takeOver();
  return { action: 'wait', observation, holder };
}
