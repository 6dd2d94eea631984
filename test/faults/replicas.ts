/**
 * What the fault tests ask of real sidecar processes (bench/lib/sidecar-process.ts) and how they
 * stop what they started.
 */
import type { Cluster, Redis } from 'ioredis';
import { type RedisKeys, usageDay } from '../../policy/wire.ts';

/** One OpenAI chat call through a sidecar's egress as `tenant`; the status, body drained. */
export async function egressChat(egressPort: number, tenant: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${egressPort}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'x-sluice-tenant': tenant, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], max_tokens: 16 }),
  });
  await r.arrayBuffer();
  return r.status;
}

/** The mode a sidecar's limiter reports (sluice_limiter_mode): global, local-share, … */
export async function limiterMode(metricsPort: number): Promise<string | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return /sluice_limiter_mode\{mode="(\w[\w-]*)"\} 1/.exec(text)?.[1];
}

/** The requests the egress counted today for `tenant` on openai/gpt-4 (the usage hash). */
export async function usageRequests(
  client: Redis | Cluster,
  keys: RedisKeys,
  tenant: string,
): Promise<number> {
  const hash = await client.hgetall(keys.usage(usageDay(new Date()), tenant));
  return Number(hash['openai/gpt-4|requests'] ?? 0);
}

type Part = { stop(): Promise<void> } | { close(): Promise<void> } | { disconnect(): void } | undefined;

/** Stops each part in order (processes before the stores they use); one never started is skipped. */
export async function stopAll(...parts: Part[]): Promise<void> {
  for (const part of parts) {
    if (part === undefined) continue;
    if ('stop' in part) await part.stop();
    else if ('close' in part) await part.close();
    else part.disconnect();
  }
}
