/**
 * What a replica may serve of a tenant's budget while the budget store does not answer, and in
 * the moments after it answers again (docs/adr/0030-budget-outage-share.md). Pure: the clock is
 * injected; the store wrapper (outage-store.ts) tells it what Redis said, and asks it.
 *
 * Each replica remembers, per tenant, the room it last heard from Redis:
 *   room = limit − settled − held   (after its own hold, when that answer placed one)
 * An outage of this replica begins at its first reserve Redis does not answer. From then on, a
 * tenant's calls share one *window*:
 *  - fresh room (heard at most HEARD_FRESH_MS before the outage began): the window is this
 *    replica's share of it, ⌊room ÷ live replicas⌋ in tokens and in cost;
 *  - no fresh room: the window is one hold (the first call), whatever its size.
 * Calls served unconfirmed (Redis did not answer) count against the window, and so do calls Redis
 * admits during GRACE_MS after it answers again: the other replicas may not have reconnected and
 * replayed what they served meanwhile, so Redis's own check cannot see it yet.
 *
 * Invariant (outage-share.test.ts properties): from the start of an outage to the end of its
 * grace, what a replica serves of a tenant (unconfirmed or admitted by Redis) adds up to at most
 * its window. N replicas that heard the same room R serve at most R together — no overspend, as
 * every answer settles at most what it held. What a replica heard before other replicas' last
 * holds adds those holds ÷ N; each replica without news adds one hold. The figures are in
 * docs/reliability.md "Budgets: the bound on overspend".
 */
import type { Amount, BudgetLimits, Exhausted } from './budget.ts';

/**
 * A room heard longer than this before the outage began is not trusted: the tenant's window is
 * one hold. What the other replicas placed since the replica last heard is the bound's staleness
 * term (÷ replicas); a busy tenant's reserves refresh the room at every call. 10 minutes, the
 * life of a hold (budget.ts HOLD_TTL_MS): a tenant with a large budget and a few calls an hour
 * keeps being served through a Redis outage, where one hold would refuse all but its first call.
 */
export const HEARD_FRESH_MS = 600_000;

/**
 * How long after Redis answers again the windows still bound what it admits: long enough for
 * every replica to reconnect (ioredis retries at most 1 s apart, sidecar/config/redis-client.ts)
 * and replay the usage it kept, on a busy machine.
 */
export const GRACE_MS = 5_000;

interface Heard {
  /** The period keys the room belongs to: a new day or month starts from zero. */
  period: string;
  settled: Amount;
  held: Amount;
  at: number;
}

interface Window {
  epoch: number;
  /** null: no fresh room, one hold. */
  share: Amount | null;
  spent: Amount;
  served: number;
}

interface TenantLedger {
  heard: Heard | null;
  window: Window | null;
  /** Unconfirmed holds whose answers have not settled yet, by hold id: placed when Redis is back. */
  open: Map<string, { limits: BudgetLimits; amount: Amount }>;
}

export interface OutageSnapshot {
  rooms: (readonly [tenantId: string, heard: Heard])[];
  windows: (readonly [tenantId: string, window: { share: Amount | null; spent: Amount; served: number }])[];
}

export type Decision = { serve: true } | { serve: false; budget: Exhausted; share: Amount | null };

const ZERO: Amount = { tokens: 0, costMicroUsd: 0 };
const periodOf = (limits: BudgetLimits) => `${limits.tokens.key}|${limits.cost.key}`;
const plus = (a: Amount, b: Amount): Amount => ({
  tokens: a.tokens + b.tokens,
  costMicroUsd: a.costMicroUsd + b.costMicroUsd,
});

export class OutageLedger {
  private readonly tenants = new Map<string, TenantLedger>();
  private readonly now: () => number;
  /** This replica's outage: since when, and when its grace ends (null while Redis is silent). */
  private outage: { epoch: number; since: number; graceUntil: number | null } | null = null;
  private epochs = 0;

  constructor(now: () => number) {
    this.now = now;
  }

  private of(tenantId: string): TenantLedger {
    let t = this.tenants.get(tenantId);
    if (!t) {
      t = { heard: null, window: null, open: new Map() };
      this.tenants.set(tenantId, t);
    }
    return t;
  }

  /** The outage, once its grace is over: none. */
  private current() {
    if (this.outage?.graceUntil != null && this.now() > this.outage.graceUntil) this.outage = null;
    return this.outage;
  }

  private windowOf(t: TenantLedger, limits: BudgetLimits, replicas: number): Window {
    const outage = this.outage!;
    if (t.window?.epoch === outage.epoch) return t.window;
    const heard = t.heard;
    let share: Amount | null = null;
    if (heard && heard.period === periodOf(limits) && heard.at >= outage.since - HEARD_FRESH_MS) {
      const n = Math.max(1, Math.floor(replicas));
      share = {
        tokens: Math.floor(Math.max(0, limits.tokens.limit - heard.settled.tokens - heard.held.tokens) / n),
        costMicroUsd: Math.floor(
          Math.max(0, limits.cost.limitMicroUsd - heard.settled.costMicroUsd - heard.held.costMicroUsd) / n,
        ),
      };
    }
    t.window = { epoch: outage.epoch, share, spent: ZERO, served: 0 };
    return t.window;
  }

  /** Whether `amount` fits in the window (always when forced). */
  private fits(w: Window, amount: Amount, force: boolean): Decision {
    if (force) return { serve: true };
    if (w.share) {
      if (w.spent.tokens + amount.tokens > w.share.tokens)
        return { serve: false, budget: 'tokens', share: w.share };
      if (w.spent.costMicroUsd + amount.costMicroUsd > w.share.costMicroUsd)
        return { serve: false, budget: 'cost', share: w.share };
    } else if (w.served > 0) return { serve: false, budget: 'tokens', share: null };
    return { serve: true };
  }

  /** Counts `amount` in the window if it fits. */
  private take(w: Window, amount: Amount, force: boolean): Decision {
    const decision = this.fits(w, amount, force);
    if (decision.serve) {
      w.spent = plus(w.spent, amount);
      w.served++;
    }
    return decision;
  }

  /**
   * Before a reserve is sent: during a grace, a call past the tenant's window is refused without
   * asking Redis (which cannot see what other replicas served unconfirmed yet).
   */
  before(tenantId: string, limits: BudgetLimits, amount: Amount, replicas: number, force: boolean): Decision {
    const outage = this.current();
    if (!outage || outage.graceUntil === null) return { serve: true };
    return this.fits(this.windowOf(this.of(tenantId), limits, replicas), amount, force);
  }

  /**
   * Redis answered a reserve (`placed`: the hold it placed, null when it refused). Remembers the
   * room; in an outage, starts its grace; in an outage or a grace, counts an admitted call in the
   * window — or answers that it does not fit, and the caller releases the hold and refuses.
   */
  heard(
    tenantId: string,
    limits: BudgetLimits,
    settled: Amount,
    held: Amount,
    placed: Amount | null,
    replicas: number,
    force: boolean,
  ): Decision {
    const t = this.of(tenantId);
    const outage = this.current();
    let decision: Decision = { serve: true };
    if (outage) {
      outage.graceUntil ??= this.now() + GRACE_MS;
      if (placed) decision = this.take(this.windowOf(t, limits, replicas), placed, force);
    }
    t.heard = {
      period: periodOf(limits),
      settled,
      held: placed && decision.serve ? plus(held, placed) : held,
      at: this.now(),
    };
    return decision;
  }

  /**
   * Redis did not answer this reserve: serve it unconfirmed, or not. `force` (a downgrade or
   * shadow hold, which Redis places regardless of the limit) is served and counted.
   */
  failed(
    tenantId: string,
    holdId: string,
    limits: BudgetLimits,
    amount: Amount,
    replicas: number,
    force: boolean,
  ): Decision {
    const outage = this.current();
    if (!outage) this.outage = { epoch: ++this.epochs, since: this.now(), graceUntil: null };
    else outage.graceUntil = null; // silent again: the grace starts over when it answers
    const t = this.of(tenantId);
    const decision = this.take(this.windowOf(t, limits, replicas), amount, force);
    if (decision.serve) t.open.set(holdId, { limits, amount });
    return decision;
  }

  /** Redis is back (a reconnect): the grace starts. */
  returned(): void {
    const outage = this.current();
    if (outage) outage.graceUntil ??= this.now() + GRACE_MS;
  }

  /** The room last heard for the tenant (the gauges of a call served unconfirmed). */
  lastHeard(tenantId: string): { settled: Amount; held: Amount } {
    const heard = this.tenants.get(tenantId)?.heard;
    return heard ? { settled: heard.settled, held: heard.held } : { settled: ZERO, held: ZERO };
  }

  /** Unconfirmed holds of the tenant still in flight (to place once Redis answers again). */
  open(tenantId: string): [holdId: string, hold: { limits: BudgetLimits; amount: Amount }][] {
    return [...(this.tenants.get(tenantId)?.open ?? [])];
  }

  /** Tenants with unconfirmed holds in flight. */
  tenantsWithOpen(): string[] {
    return [...this.tenants].filter(([, t]) => t.open.size > 0).map(([id]) => id);
  }

  /** The hold is placed in Redis now, or its answer settled: it is no longer unconfirmed. */
  close(tenantId: string, holdId: string): void {
    this.tenants.get(tenantId)?.open.delete(holdId);
  }

  /**
   * What a stopping sidecar hands to its successor (--state-dir): the rooms it heard and, in an
   * outage or its grace, what it served of each window. A sidecar restarted while Redis is down
   * then serves from the same windows instead of none (one hold) or new ones (twice the share).
   */
  save(): OutageSnapshot {
    const outage = this.current();
    return {
      rooms: [...this.tenants].flatMap(([id, t]) => (t.heard ? [[id, t.heard] as const] : [])),
      windows:
        outage === null
          ? []
          : [...this.tenants].flatMap(([id, t]) =>
              t.window?.epoch === outage.epoch
                ? [[id, { share: t.window.share, spent: t.window.spent, served: t.window.served }] as const]
                : [],
            ),
    };
  }

  /** Takes over a predecessor's snapshot (at start, before any reserve). */
  restore(snapshot: OutageSnapshot): void {
    for (const [id, heard] of snapshot.rooms) this.of(id).heard = heard;
    if (snapshot.windows.length === 0) return;
    // Its outage goes on here until Redis answers, then through a grace, as if never stopped.
    this.outage = { epoch: ++this.epochs, since: this.now(), graceUntil: null };
    for (const [id, w] of snapshot.windows) this.of(id).window = { epoch: this.epochs, ...w };
  }

  /** What the tenant's window holds (tests, diagnostics). */
  windowOfTenant(tenantId: string): { share: Amount | null; spent: Amount; served: number } | null {
    const w = this.tenants.get(tenantId)?.window;
    return w && this.current()?.epoch === w.epoch
      ? { share: w.share, spent: w.spent, served: w.served }
      : null;
  }
}
