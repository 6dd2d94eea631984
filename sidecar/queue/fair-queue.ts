/**
 * The fair queue in front of the app (docs/adr/0007-fair-queue.md): at most `capacity` requests in flight
 * to the app; beyond that, one FIFO per tenant, scheduled by stride scheduling on two levels.
 *
 *  - Level 1, between priority levels (tiers): each level has a weight (EffectivePolicy
 *    .queue.weight: enterprise 16, pro 4, free 1) and a virtual "pass"; the backlogged level
 *    with the lowest pass is served and its pass grows by 1 / weight. Under saturation the
 *    levels get capacity in proportion to their weights (16 : 4 : 1), and a weight > 0 means
 *    free is never starved: it is served at least once every (sum of weights / 1) dispatches.
 *  - Level 2, inside a level: the same with each tenant's own weight, so tenants of one tier
 *    share that tier's part equally (a flooding free tenant cannot take the share of the
 *    light free tenants).
 *
 * An idle level or tenant that becomes backlogged again starts at the current virtual time
 * (the pass of the last dispatch), not at its old pass: idleness does not bank credit
 * (the WFQ / APF "virtual start time" rule). A tenant that is at its own max concurrency is
 * skipped until one of its requests finishes.
 *
 * Seats held for the top level (APF's guaranteed concurrency shares, in their simplest form): with
 * `reservedSeats` R, the levels below the highest-weight level seen so far share at most
 * capacity − R seats between them. A flood of free requests then cannot occupy every seat, so an
 * enterprise request finds one free at once instead of waiting for the next completion (which,
 * with equal service times, comes in a burst: the wait was up to a whole service time). The cost
 * is R idle seats while only lower levels have work; with one level known nothing is held back.
 *
 * Pure: no timers, no clock reads. The adapter (ingress/queue-admission.ts) owns timeouts
 * and calls cancel(); `grant` callbacks run synchronously inside acquire/release/cancel.
 */

export interface QueueRequest {
  tenantId: string;
  /** Priority level the tenant belongs to, e.g. its tier. */
  level: string;
  /** The tenant's weight, > 0; also the level's weight (the level takes its latest value). */
  weight: number;
  /** Requests of this tenant that may wait. */
  maxDepth: number;
  /** Requests of this tenant at the app at once. */
  maxConcurrency: number;
}

export type AcquireResult =
  | { kind: 'granted' }
  | { kind: 'queued'; ticket: Ticket }
  | { kind: 'full'; reason: 'queue-full' | 'concurrency' };

export interface Ticket {
  readonly tenantId: string;
  /** Set once the ticket leaves the queue. */
  state: 'waiting' | 'granted' | 'cancelled';
  /** Called once when the ticket is granted a slot. */
  onGrant: () => void;
}

interface TenantQueue {
  id: string;
  weight: number;
  maxConcurrency: number;
  pass: number;
  /** Waiting tickets; cancelled ones are skipped lazily. `head` avoids Array.shift copies. */
  items: Ticket[];
  head: number;
  waiting: number;
  inFlight: number;
  level: Level;
}

interface Level {
  name: string;
  weight: number;
  /** Requests of this level at the app. */
  inFlight: number;
  pass: number;
  /** Virtual time inside the level. */
  vtime: number;
  tenants: TenantQueue[];
}

// The answers that carry nothing of their own are shared: no object per admission.
const GRANTED: AcquireResult = Object.freeze({ kind: 'granted' });
const FULL_QUEUE: AcquireResult = Object.freeze({ kind: 'full', reason: 'queue-full' });
const FULL_CONCURRENCY: AcquireResult = Object.freeze({ kind: 'full', reason: 'concurrency' });

export class FairQueue {
  readonly capacity: number;
  /** Seats only the highest-weight level may take (see above); 0 = none held back. */
  readonly reservedSeats: number;
  private inFlight = 0;
  private waitingTotal = 0;
  private vtime = 0;
  private readonly levels = new Map<string, Level>();
  private readonly tenants = new Map<string, TenantQueue>();

  constructor(capacity: number, options: { reservedSeats?: number } = {}) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be >= 1');
    this.capacity = capacity;
    this.reservedSeats = Math.max(0, Math.min(capacity - 1, Math.floor(options.reservedSeats ?? 0)));
  }

  /** Asks for a slot. Granted at once when there is room and nobody eligible is waiting. */
  acquire(request: QueueRequest, onGrant: () => void): AcquireResult {
    const tenant = this.tenant(request);
    const atOwnLimit = tenant.inFlight >= tenant.maxConcurrency;
    if (
      !atOwnLimit &&
      this.inFlight < this.capacity &&
      this.levelHasSeat(tenant.level) &&
      tenant.waiting === 0 &&
      !this.anyEligibleWaiting()
    ) {
      this.inFlight++;
      tenant.inFlight++;
      tenant.level.inFlight++;
      this.charge(tenant);
      return GRANTED;
    }
    if (tenant.waiting >= request.maxDepth) return atOwnLimit ? FULL_CONCURRENCY : FULL_QUEUE;
    const ticket: Ticket = { tenantId: tenant.id, state: 'waiting', onGrant };
    if (tenant.waiting === 0) this.activate(tenant);
    tenant.items.push(ticket);
    tenant.waiting++;
    this.waitingTotal++;
    return { kind: 'queued', ticket };
  }

  /** A granted request finished: frees its slot and grants waiting tickets that now fit. */
  release(tenantId: string): void {
    const tenant = this.tenants.get(tenantId);
    if (!tenant || tenant.inFlight === 0) return;
    tenant.inFlight--;
    tenant.level.inFlight--;
    this.inFlight--;
    this.dispatch();
    if (tenant.inFlight === 0 && tenant.waiting === 0) this.forget(tenant);
  }

  /** Takes a waiting ticket out (timeout, client gone). True if it was still waiting. */
  cancel(ticket: Ticket): boolean {
    if (ticket.state !== 'waiting') return false;
    ticket.state = 'cancelled';
    const tenant = this.tenants.get(ticket.tenantId);
    if (tenant) {
      tenant.waiting--;
      this.waitingTotal--;
      if (tenant.waiting === 0) {
        tenant.items.length = 0;
        tenant.head = 0;
        if (tenant.inFlight === 0) this.forget(tenant);
      }
    }
    return true;
  }

  stats(): { inFlight: number; waiting: number; tenants: number } {
    return { inFlight: this.inFlight, waiting: this.waitingTotal, tenants: this.tenants.size };
  }

  waitingOf(tenantId: string): number {
    return this.tenants.get(tenantId)?.waiting ?? 0;
  }

  private dispatch(): void {
    while (this.inFlight < this.capacity && this.waitingTotal > 0) {
      const tenant = this.pick();
      if (!tenant) return; // everyone waiting is at their own concurrency limit
      const ticket = this.pop(tenant);
      if (!ticket) continue;
      this.inFlight++;
      tenant.inFlight++;
      tenant.level.inFlight++;
      this.charge(tenant);
      ticket.state = 'granted';
      ticket.onGrant();
    }
  }

  /** The eligible tenant to serve next: lowest level pass, then lowest tenant pass. */
  private pick(): TenantQueue | undefined {
    let best: TenantQueue | undefined;
    let bestLevel: Level | undefined;
    for (const level of this.levels.values()) {
      if (bestLevel && level.pass >= bestLevel.pass) continue;
      if (!this.levelHasSeat(level)) continue;
      const candidate = this.pickIn(level);
      if (candidate) {
        best = candidate;
        bestLevel = level;
      }
    }
    return best;
  }

  private pickIn(level: Level): TenantQueue | undefined {
    let best: TenantQueue | undefined;
    for (const tenant of level.tenants) {
      if (tenant.waiting === 0 || tenant.inFlight >= tenant.maxConcurrency) continue;
      if (!best || tenant.pass < best.pass) best = tenant;
    }
    return best;
  }

  private anyEligibleWaiting(): boolean {
    if (this.waitingTotal === 0) return false;
    for (const level of this.levels.values()) if (this.levelHasSeat(level) && this.pickIn(level)) return true;
    return false;
  }

  /**
   * Whether a request of `level` may take a free seat: the top level always may; the others
   * only while they hold, all together, fewer than capacity − reservedSeats.
   */
  private levelHasSeat(level: Level): boolean {
    if (this.reservedSeats === 0) return true;
    let top = level.weight;
    let below = 0;
    for (const l of this.levels.values()) {
      if (l.weight > top) top = l.weight;
      if (l.weight <= level.weight) below += l.inFlight;
    }
    if (level.weight >= top) return true;
    return below < this.capacity - this.reservedSeats;
  }

  private pop(tenant: TenantQueue): Ticket | undefined {
    while (tenant.head < tenant.items.length) {
      const ticket = tenant.items[tenant.head++]!;
      if (ticket.state !== 'waiting') continue;
      tenant.waiting--;
      this.waitingTotal--;
      if (tenant.head > 1024 && tenant.head * 2 > tenant.items.length) {
        tenant.items = tenant.items.slice(tenant.head);
        tenant.head = 0;
      }
      return ticket;
    }
    return undefined;
  }

  /** Advances the passes for one dispatch of `tenant`. */
  private charge(tenant: TenantQueue): void {
    const level = tenant.level;
    this.vtime = Math.max(this.vtime, level.pass);
    level.pass = Math.max(level.pass, this.vtime) + 1 / level.weight;
    level.vtime = Math.max(level.vtime, tenant.pass);
    tenant.pass = Math.max(tenant.pass, level.vtime) + 1 / tenant.weight;
  }

  /** A tenant (and maybe its level) becomes backlogged: no credit for the idle time. */
  private activate(tenant: TenantQueue): void {
    const level = tenant.level;
    if (!this.levelBacklogged(level, tenant)) level.pass = Math.max(level.pass, this.vtime);
    tenant.pass = Math.max(tenant.pass, level.vtime);
  }

  private levelBacklogged(level: Level, except: TenantQueue): boolean {
    for (const t of level.tenants) if (t !== except && t.waiting > 0) return true;
    return false;
  }

  private tenant(request: QueueRequest): TenantQueue {
    let tenant = this.tenants.get(request.tenantId);
    let level = this.levels.get(request.level);
    if (!level) {
      level = {
        name: request.level,
        weight: request.weight,
        inFlight: 0,
        pass: this.vtime,
        vtime: 0,
        tenants: [],
      };
      this.levels.set(request.level, level);
    }
    level.weight = Math.max(Number.MIN_VALUE, request.weight);
    if (!tenant) {
      tenant = {
        id: request.tenantId,
        weight: request.weight,
        maxConcurrency: request.maxConcurrency,
        pass: level.vtime,
        items: [],
        head: 0,
        waiting: 0,
        inFlight: 0,
        level,
      };
      this.tenants.set(request.tenantId, tenant);
      level.tenants.push(tenant);
    } else if (tenant.level !== level) {
      // Tier changed while the tenant had requests: move it; in-flight counts go with it.
      tenant.level.tenants.splice(tenant.level.tenants.indexOf(tenant), 1);
      tenant.level.inFlight -= tenant.inFlight;
      level.inFlight += tenant.inFlight;
      tenant.level = level;
      level.tenants.push(tenant);
    }
    tenant.weight = Math.max(Number.MIN_VALUE, request.weight);
    tenant.maxConcurrency = Math.max(1, request.maxConcurrency);
    return tenant;
  }

  /** Drops an idle tenant so the maps hold only tenants with work (bounded memory). */
  private forget(tenant: TenantQueue): void {
    this.tenants.delete(tenant.id);
    const list = tenant.level.tenants;
    list.splice(list.indexOf(tenant), 1);
  }
}
