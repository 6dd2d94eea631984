/**
 * Admission through the fair queue, as a fastify plugin: holds a request until the pure scheduler
 * (queue/fair-queue.ts) grants it one of --max-concurrency slots toward the app. Owns the
 * timers: a request waits at most its tier's queue.timeoutMs (503 SLUICE_QUEUE_TIMEOUT); a
 * full tenant queue is 503 SLUICE_QUEUE_FULL, or 429 SLUICE_CONCURRENCY_LIMITED when it is
 * the tenant's own max concurrency that holds it; a client that disconnects leaves the queue.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { EffectivePolicy } from '../../policy/effective.ts';
import type { SidecarMetrics } from '../metrics.ts';
import type { FairQueue, QueueRequest } from '../queue/fair-queue.ts';
import { sendError } from './context.ts';

export interface FairQueueOptions {
  queue: FairQueue;
  metrics: SidecarMetrics;
  now: () => number;
}

/** What the queue needs of a policy, built once per policy object (not per request). */
const queueRequests = new WeakMap<EffectivePolicy, QueueRequest>();
function queueRequest(policy: EffectivePolicy): QueueRequest {
  let found = queueRequests.get(policy);
  if (!found) {
    found = Object.freeze({
      tenantId: policy.tenantId,
      level: policy.tier,
      weight: policy.queue.weight,
      maxDepth: policy.queue.maxDepth,
      maxConcurrency: policy.limits.maxConcurrency,
    });
    queueRequests.set(policy, found);
  }
  return found;
}

async function fairQueue(app: FastifyInstance, options: FairQueueOptions): Promise<void> {
  const { queue, metrics, now } = options;
  // The queue gauges are read at scrape time (sidecar/metrics.ts), not set per request.
  metrics.watchQueue(() => queue.stats());

  app.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done) => {
    const ctx = request.sluice;
    if (!ctx) return done();
    const policy = ctx.tenant.policy;
    const tenantId = policy.tenantId;
    const res = reply.raw;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const enqueuedAt = now();
    const grant = () => {
      settled = true;
      clearTimeout(timer);
      let released = false;
      ctx.release = () => {
        if (released) return;
        released = true;
        queue.release(tenantId);
      };
      metrics.series(policy).queueWait.observe((now() - enqueuedAt) / 1000);
      // The answer may already be over (the client left while waiting): give the slot back.
      if (res.destroyed || res.writableFinished) ctx.release();
      else done();
    };
    const result = queue.acquire(queueRequest(policy), grant);
    // One listener per request releases the slot when the answer ends, normally or not.
    res.once('close', () => {
      if (ctx.release) ctx.release();
      else if (!settled && result.kind === 'queued' && queue.cancel(result.ticket)) {
        settled = true;
        clearTimeout(timer);
        metrics.reject(tenantId, policy.tier, 'SLUICE_CLIENT_GONE');
      }
    });
    if (result.kind === 'granted') return grant();
    const retryAfter = String(Math.max(1, Math.ceil(policy.queue.timeoutMs / 1000)));
    if (result.kind === 'full') {
      settled = true;
      const code = result.reason === 'concurrency' ? 'SLUICE_CONCURRENCY_LIMITED' : 'SLUICE_QUEUE_FULL';
      metrics.reject(tenantId, policy.tier, code);
      sendError(reply, code, undefined, { 'retry-after': retryAfter });
      return;
    }
    timer = setTimeout(() => {
      if (settled || !queue.cancel(result.ticket)) return;
      settled = true;
      metrics.reject(tenantId, policy.tier, 'SLUICE_QUEUE_TIMEOUT');
      sendError(reply, 'SLUICE_QUEUE_TIMEOUT', `waited ${policy.queue.timeoutMs} ms`, {
        'retry-after': retryAfter,
      });
    }, policy.queue.timeoutMs);
  });
}

export const fairQueuePlugin = fp(fairQueue, {
  name: 'sluice-fair-queue',
  dependencies: ['sluice-tenant-auth'],
});
