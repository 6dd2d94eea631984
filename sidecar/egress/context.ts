/** What every step of an LLM call through the egress reaches: built once per app (app.ts). */
import type pino from 'pino';
import type { PolicyView } from '../config/policy-view.ts';
import type { BreakerBoard } from './breaker.ts';
import type { BudgetStore } from './budget/store.ts';
import type { EgressMetrics } from './metrics.ts';
import type { UpstreamClient } from './providers/upstream.ts';
import type { EgressSettings } from './settings.ts';

export interface LlmContext {
  policies: PolicyView;
  settings: EgressSettings;
  client: UpstreamClient;
  breakers: BreakerBoard;
  store: BudgetStore;
  metrics: EgressMetrics;
  logger: pino.Logger;
  now: () => number;
  /** Tenants whose last reserve was refused, until when (ms): their requests reserve first. */
  exhausted: Map<string, number>;
  /** Settles still running (app close waits for them; tests flush them). */
  track: (work: Promise<unknown>) => void;
  /** The sidecar's --shadow default (policy/shadow.ts, docs/adr/0027-shadow-mode.md). */
  shadow: boolean;
}
