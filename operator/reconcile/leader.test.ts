import { describe, expect, it } from 'vitest';
import { decideLease, type Observation } from './leader.ts';

const D = 10_000;
const none: Observation = { record: null, atMs: 0 };

describe('decideLease', () => {
  it('creates a missing lease', () => {
    expect(decideLease(null, none, 'a', 1_000, D).action).toBe('create');
  });

  it('renews its own lease', () => {
    const d = decideLease({ holderIdentity: 'a', renewTime: 'x' }, none, 'a', 1_000, D);
    expect(d.action).toBe('renew');
  });

  it('takes a released lease at once', () => {
    expect(decideLease({ holderIdentity: '' }, none, 'b', 1_000, D).action).toBe('acquire');
  });

  it('waits while the holder renews, takes over one duration after the last renewal it saw', () => {
    const lease = { holderIdentity: 'a', renewTime: 't1', leaseTransitions: 0, leaseDurationSeconds: 10 };
    const first = decideLease(lease, none, 'b', 1_000, D);
    expect(first.action).toBe('wait');
    const mid = decideLease(lease, first.observation, 'b', 10_999, D);
    expect(mid.action).toBe('wait');
    const renewed = decideLease({ ...lease, renewTime: 't2' }, mid.observation, 'b', 10_999, D);
    expect(renewed.action).toBe('wait');
    expect(renewed.observation.atMs).toBe(10_999);
    const stale = decideLease({ ...lease, renewTime: 't2' }, renewed.observation, 'b', 20_999, D);
    expect(stale.action).toBe('acquire');
    expect(stale.action === 'acquire' && stale.spec.leaseTransitions).toBe(1);
  });

  it('judges expiry on its own clock: a holder renewTime far in the past is not enough', () => {
    const lease = { holderIdentity: 'a', renewTime: '1970-01-01T00:00:00.000000Z' };
    expect(decideLease(lease, none, 'b', 5_000_000, D).action).toBe('wait');
  });
});
