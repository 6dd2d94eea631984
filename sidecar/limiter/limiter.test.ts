import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SidecarMetrics } from '../metrics.ts';
import { Limiter } from './limiter.ts';

describe('Limiter live-replica count', () => {
  // Regression: with 200 ms heartbeats beside busy processes one late beat made a count of 1, and
  // the outage that followed gave each of 2 replicas the whole burst (24 of 20 admitted).
  it('divides by the largest count heard in the window, so one late heartbeat is no dip', () => {
    let now = 0;
    const limiter = new Limiter({
      now: () => now,
      log: pino({ level: 'silent' }),
      metrics: new SidecarMetrics(),
      replicaWindowMs: 2_000,
    });
    limiter.setLiveReplicas(2);
    now = 200;
    limiter.setLiveReplicas(1); // the other replica's beat was late
    expect(limiter.liveReplicas()).toBe(2);
    now = 2_300; // the 2 has left the window: the replica really is alone
    limiter.setLiveReplicas(1);
    expect(limiter.liveReplicas()).toBe(1);
    limiter.setLiveReplicas(0);
    expect(limiter.liveReplicas()).toBe(1);
  });
});
