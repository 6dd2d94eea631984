import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './breaker.ts';

const settings = { failureThreshold: 3, cooldownMs: 1_000, maxCooldownMs: 5_000 };

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and resets the count on success', () => {
    const b = new CircuitBreaker(settings);
    b.onFailure(0);
    b.onFailure(1);
    b.onSuccess();
    b.onFailure(2);
    b.onFailure(3);
    expect(b.state(3)).toBe('closed');
    expect(b.tryAcquire(3)).toBe(true);
  });

  it('opens at the threshold, turns half-open after the cool-down, lets one probe through', () => {
    const b = new CircuitBreaker(settings);
    for (const t of [0, 1, 2]) b.onFailure(t);
    expect(b.state(2)).toBe('open');
    expect(b.tryAcquire(500)).toBe(false);
    expect(b.retryInMs(500)).toBe(502);
    expect(b.state(1_002)).toBe('half-open');
    expect(b.tryAcquire(1_002)).toBe(true);
    expect(b.tryAcquire(1_003)).toBe(false); // only one probe at a time
    b.onSuccess();
    expect(b.state(1_004)).toBe('closed');
  });

  it('re-opens with a fresh cool-down when the probe fails', () => {
    const b = new CircuitBreaker(settings);
    for (const t of [0, 1, 2]) b.onFailure(t);
    expect(b.tryAcquire(1_500)).toBe(true);
    b.onFailure(1_500);
    expect(b.state(2_000)).toBe('open');
    expect(b.state(2_500)).toBe('half-open');
  });

  it('frees the probe slot when the probe is abandoned', () => {
    const b = new CircuitBreaker(settings);
    for (const t of [0, 1, 2]) b.onFailure(t);
    expect(b.tryAcquire(1_500)).toBe(true);
    b.onAbandon();
    expect(b.tryAcquire(1_501)).toBe(true);
  });

  it.each([
    [2_000, 2_000],
    [60_000, 5_000], // capped at maxCooldownMs
  ])('opens at once for a Retry-After of %i ms (cool-down %i ms)', (retryAfter, cooldown) => {
    const b = new CircuitBreaker(settings);
    b.onFailure(0, retryAfter);
    expect(b.state(cooldown - 1)).toBe('open');
    expect(b.state(cooldown)).toBe('half-open');
  });
});
