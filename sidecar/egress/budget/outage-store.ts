/**
 * The budget store as the route sees it in Redis mode: the Redis store, and when a reserve gets
 * no answer, this replica's share of the room it last heard (outage-share.ts) instead of serving
 * without a hold. docs/adr/0030-budget-outage-share.md
 *
 *  - Redis answers: its answer, as before; the room it reports is remembered.
 *  - Redis does not: the call is served unconfirmed if it fits the share (the route goes on as
 *    if the hold were placed), else refused SLUICE_BUDGET_PENDING with a short Retry-After.
 *  - Redis is back: the unconfirmed holds of answers still in flight are placed (force, same
 *    hold ids) before this replica's next reserve for the tenant and on reconnect, so the calls
 *    Redis admits next see them; their settles release them as any other hold.
 *  - A refused call whose reserve may have run (sent, then the connection went) releases that
 *    hold: nobody else would settle it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EgressError } from '../chain.ts';
import { type Amount, type Exhausted, usdText } from './budget.ts';
import { type Decision, OutageLedger, type OutageSnapshot } from './outage-share.ts';
import { isUnsent } from './redis-store.ts';
import type { BudgetStore, ReserveRequest, ReserveResult, SettleRequest } from './store.ts';

/** Retry-After of a refusal while Redis is away: a pause or a reconnect takes seconds. */
export const OUTAGE_RETRY_AFTER_S = 2;

const ZERO: Amount = { tokens: 0, costMicroUsd: 0 };

export interface OutageStoreOptions {
  now: () => number;
  /** Live replicas, as the limiter counts them through the heartbeat (1 when unknown). */
  replicas: () => number;
  /** A reserve or a placement Redis did not answer (metrics, log); `served` = served unconfirmed. */
  onError?: (error: unknown, tenantId: string, served: boolean) => void;
  /** Where the rooms and windows survive a restart (--state-dir); null = memory only. */
  stateFile?: string | null;
  /** A call refused SLUICE_BUDGET_PENDING because it is past this replica's window (metrics). */
  onRefused?: (tenantId: string, budget: Exhausted) => void;
}

export class OutageBudgetStore implements BudgetStore {
  readonly mode: BudgetStore['mode'];
  readonly ledger: OutageLedger;
  /** Placements of unconfirmed holds in flight, by hold id (a settle waits for its own). */
  private readonly placing = new Map<string, Promise<unknown>>();

  readonly inner: BudgetStore;
  private readonly options: OutageStoreOptions;

  constructor(inner: BudgetStore, options: OutageStoreOptions) {
    this.inner = inner;
    this.options = options;
    this.mode = inner.mode;
    this.ledger = new OutageLedger(options.now);
    if (options.stateFile) {
      try {
        this.ledger.restore(JSON.parse(readFileSync(options.stateFile, 'utf8')) as OutageSnapshot);
      } catch {
        // None, or unreadable: start without news (one hold per tenant until Redis answers).
      }
    }
  }

  /** Writes the rooms and windows for the next sidecar on this state dir (called on close). */
  close(): void {
    const file = this.options.stateFile;
    if (!file) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(`${file}.tmp`, JSON.stringify(this.ledger.save()));
      renameSync(`${file}.tmp`, file);
    } catch {
      // A read-only or full state dir: the successor starts without news.
    }
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const { tenantId, holdId, limits, amount, force } = request;
    const replicas = this.options.replicas();
    const before = this.ledger.before(tenantId, limits, amount, replicas, force);
    if (!before.serve) throw this.refuse(tenantId, before);
    let result: ReserveResult;
    try {
      await this.placeOpen(tenantId);
      result = await this.inner.reserve(request);
    } catch (error) {
      const decision = this.ledger.failed(tenantId, holdId, limits, amount, replicas, force);
      this.options.onError?.(error, tenantId, decision.serve);
      if (decision.serve) return { ok: true, ...this.ledger.lastHeard(tenantId) };
      // Sent and unanswered: the script may have placed the hold. Release it (the Redis store
      // keeps the release for the reconnect when it cannot send it now).
      if (!isUnsent(error)) this.release(request);
      throw this.refuse(tenantId, decision);
    }
    const placed = result.ok ? amount : null;
    const after = this.ledger.heard(tenantId, limits, result.settled, result.held, placed, replicas, force);
    if (!after.serve) {
      // Redis admitted it, but in the grace after an outage it is past this replica's window.
      this.release(request);
      throw this.refuse(tenantId, after);
    }
    return result;
  }

  private refuse(tenantId: string, d: Extract<Decision, { serve: false }>): EgressError {
    this.options.onRefused?.(tenantId, d.budget);
    return refusal(tenantId, d);
  }

  private release({ tenantId, limits, holdId, amount }: ReserveRequest): void {
    this.inner
      .settle({ tenantId, limits, hold: { id: holdId, amount }, actual: ZERO, usage: null })
      .catch((e: unknown) => this.options.onError?.(e, tenantId, false));
  }

  async settle(request: SettleRequest): Promise<Amount | null> {
    if (request.hold) {
      // Its placement first, or the release could run before it and leave the hold behind.
      for (let p = this.placing.get(request.hold.id); p; p = this.placing.get(request.hold.id))
        await p.catch(() => {});
      this.ledger.close(request.tenantId, request.hold.id);
    }
    return this.inner.settle(request);
  }

  /** Redis is back (the connection's `ready`): the grace starts; unconfirmed holds are placed. */
  reconnected(): Promise<void> {
    this.ledger.returned();
    return Promise.all(this.ledger.tenantsWithOpen().map((t) => this.placeOpen(t))).then(
      () => {},
      () => {}, // still away: the next reserve or reconnect tries again
    );
  }

  /** Places the tenant's unconfirmed holds (force: Redis must count them, not judge them). */
  private async placeOpen(tenantId: string): Promise<void> {
    const open = this.ledger.open(tenantId);
    if (open.length === 0) return;
    await Promise.all(
      open.map(([holdId, { limits, amount }]) => {
        let work = this.placing.get(holdId);
        if (!work) {
          work = this.inner
            .reserve({ tenantId, limits, holdId, amount, force: true })
            .then(() => this.ledger.close(tenantId, holdId))
            .finally(() => this.placing.delete(holdId));
          this.placing.set(holdId, work);
        }
        return work;
      }),
    );
  }
}

function refusal(tenantId: string, d: Extract<Decision, { serve: false }>): EgressError {
  const what = d.share
    ? `its share of what was left (${d.budget === 'tokens' ? `${d.share.tokens} tokens` : usdText(d.share.costMicroUsd)})`
    : 'the one call it may serve without recent news of the budget';
  return new EgressError(
    'SLUICE_BUDGET_PENDING',
    `${d.budget} budget of ${tenantId}: the budget store did not answer (or has just come back) and this replica has served ${what}; retry after Retry-After`,
    { 'retry-after': String(OUTAGE_RETRY_AFTER_S) },
  );
}
