import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';
import { WorkQueue } from './work-queue.ts';

const q = () => new WorkQueue({ backoff: { baseMs: 10, capMs: 1_000 }, random: () => 0.999 });

describe('WorkQueue', () => {
  it('dedupes a key queued twice', async () => {
    const queue = q();
    queue.add('a');
    queue.add('a');
    queue.add('b');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('a');
  });

  it('never hands a key in progress to a second worker; re-queues it after done()', async () => {
    const queue = q();
    queue.add('a');
    const key = await queue.get();
    queue.add('a');
    expect(queue.length).toBe(0);
    queue.done(key!);
    expect(queue.length).toBe(1);
  });

  it('addAfter keeps the earliest timer', async () => {
    const queue = q();
    queue.addAfter('a', 10_000);
    queue.addAfter('a', 20);
    const got = await Promise.race([queue.get(), new Promise((r) => setTimeout(() => r('timeout'), 5_000))]);
    expect(got).toBe('a');
    queue.shutdown();
  });

  it('backs off per key and forgets on success', () => {
    const queue = q();
    const d1 = queue.addRateLimited('a');
    const d2 = queue.addRateLimited('a');
    expect(d2).toBeGreaterThan(d1);
    queue.forget('a');
    expect(queue.failureCount('a')).toBe(0);
    queue.shutdown();
  });

  it('shutdown releases waiting workers', async () => {
    const queue = q();
    const waiting = queue.get();
    queue.shutdown();
    expect(await waiting).toBeNull();
  });
});

describe('backoffDelay', () => {
  it.each([
    [0, 0.5, 5],
    [3, 0.5, 40],
    [20, 0.999, 999],
    [5, 0, 5],
  ])('attempt %i with random %f → %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, { baseMs: 10, capMs: 1_000 }, () => random)).toBe(expected);
  });
});
