import { describe, expect, it } from 'vitest';
import { FairQueue, type QueueRequest, type Ticket } from './fair-queue.ts';

const req = (tenantId: string, level: string, weight: number, extra: Partial<QueueRequest> = {}) => ({
  tenantId,
  level,
  weight,
  maxDepth: 1_000_000,
  maxConcurrency: 1_000_000,
  ...extra,
});

/**
 * Saturation: every tenant always has requests waiting; each step one in-flight request (the
 * oldest) finishes and the queue grants the next. Returns grants per tenant.
 */
function saturate(queue: FairQueue, tenants: QueueRequest[], steps: number): Map<string, number> {
  const grants = new Map<string, number>();
  const inFlight: string[] = [];
  const refill = (r: QueueRequest) => {
    const result = queue.acquire(r, () => {
      inFlight.push(r.tenantId);
      grants.set(r.tenantId, (grants.get(r.tenantId) ?? 0) + 1);
      refill(r); // keep the tenant backlogged
    });
    if (result.kind === 'granted') {
      inFlight.push(r.tenantId);
      refill(r);
    }
  };
  for (const r of tenants) refill(r);
  for (let i = 0; i < steps; i++) queue.release(inFlight.shift()!);
  return grants;
}

describe('FairQueue', () => {
  it('grants at once below capacity and queues above it', () => {
    const q = new FairQueue(2);
    const r = req('a', 'free', 1);
    expect(q.acquire(r, () => {}).kind).toBe('granted');
    expect(q.acquire(r, () => {}).kind).toBe('granted');
    const third = q.acquire(r, () => {});
    expect(third.kind).toBe('queued');
    expect(q.stats()).toEqual({ inFlight: 2, waiting: 1, tenants: 1 });
  });

  it('honours tier weights 16 : 4 : 1 within 10% under saturation', () => {
    const q = new FairQueue(4);
    const grants = saturate(
      q,
      [req('ent', 'enterprise', 16), req('pro', 'pro', 4), req('free', 'free', 1)],
      21_000,
    );
    const total = [...grants.values()].reduce((a, b) => a + b, 0);
    const share = (t: string) => (grants.get(t) ?? 0) / total;
    expect(share('ent')).toBeGreaterThan((16 / 21) * 0.9);
    expect(share('ent')).toBeLessThan((16 / 21) * 1.1);
    expect(share('pro')).toBeGreaterThan((4 / 21) * 0.9);
    expect(share('pro')).toBeLessThan((4 / 21) * 1.1);
    expect(share('free')).toBeGreaterThan((1 / 21) * 0.9);
    expect(share('free')).toBeLessThan((1 / 21) * 1.1);
  });

  it('never starves the lowest weight: free is served at least once per 21 + capacity grants', () => {
    const q = new FairQueue(3);
    const order: string[] = [];
    const inFlight: string[] = [];
    const tenants = [req('ent', 'enterprise', 16), req('pro', 'pro', 4), req('free', 'free', 1)];
    const refill = (r: QueueRequest) => {
      const res = q.acquire(r, () => {
        inFlight.push(r.tenantId);
        order.push(r.tenantId);
        refill(r);
      });
      if (res.kind === 'granted') {
        inFlight.push(r.tenantId);
        refill(r);
      }
    };
    tenants.forEach(refill);
    for (let i = 0; i < 2_000; i++) q.release(inFlight.shift()!);
    let gap = 0;
    let worst = 0;
    for (const t of order) {
      gap = t === 'free' ? 0 : gap + 1;
      worst = Math.max(worst, gap);
    }
    expect(worst).toBeLessThanOrEqual(21 + 3);
  });

  it('is fair between tenants of one tier: a flooding free tenant gets the same share as light ones', () => {
    const q = new FairQueue(2);
    const grants = saturate(
      q,
      [
        req('flood', 'free', 1),
        req('light-1', 'free', 1),
        req('light-2', 'free', 1),
        req('ent', 'enterprise', 16),
      ],
      17_000,
    );
    const free = ['flood', 'light-1', 'light-2'].map((t) => grants.get(t) ?? 0);
    const mean = free.reduce((a, b) => a + b, 0) / free.length;
    for (const n of free) expect(Math.abs(n - mean) / mean).toBeLessThan(0.1);
  });

  it('gives no credit for idle time: a tenant returning from idle does not monopolise the slots', () => {
    const q = new FairQueue(1);
    // "busy" is served alone for a long time; "late" then joins with the same weight.
    const busy = req('busy', 'free', 1);
    const late = req('late', 'free', 1);
    const served: string[] = [];
    let current = 'busy';
    const refill = (r: QueueRequest) => {
      const res = q.acquire(r, () => {
        served.push(r.tenantId);
        current = r.tenantId;
        refill(r);
      });
      if (res.kind === 'granted') refill(r);
    };
    refill(busy);
    for (let i = 0; i < 500; i++) q.release(current);
    refill(late);
    served.length = 0;
    for (let i = 0; i < 100; i++) q.release(current);
    const lateCount = served.filter((t) => t === 'late').length;
    expect(lateCount).toBeGreaterThanOrEqual(49);
    expect(lateCount).toBeLessThanOrEqual(51);
  });

  it('rejects beyond the per-tenant depth and names the reason', () => {
    const q = new FairQueue(1);
    const r = req('a', 'free', 1, { maxDepth: 2 });
    expect(q.acquire(r, () => {}).kind).toBe('granted');
    expect(q.acquire(r, () => {}).kind).toBe('queued');
    expect(q.acquire(r, () => {}).kind).toBe('queued');
    expect(q.acquire(r, () => {})).toEqual({ kind: 'full', reason: 'queue-full' });
    // Another tenant still has its own queue.
    expect(q.acquire(req('b', 'free', 1, { maxDepth: 2 }), () => {}).kind).toBe('queued');
  });

  it('holds a tenant at its own max concurrency while others use the free capacity', () => {
    const q = new FairQueue(10);
    const a = req('a', 'free', 1, { maxConcurrency: 2, maxDepth: 1 });
    expect(q.acquire(a, () => {}).kind).toBe('granted');
    expect(q.acquire(a, () => {}).kind).toBe('granted');
    let granted = false;
    expect(q.acquire(a, () => (granted = true)).kind).toBe('queued');
    expect(q.acquire(a, () => {})).toEqual({ kind: 'full', reason: 'concurrency' });
    expect(q.acquire(req('b', 'free', 1), () => {}).kind).toBe('granted');
    q.release('b');
    expect(granted).toBe(false);
    q.release('a');
    expect(granted).toBe(true);
  });

  it('a cancelled ticket leaves the queue and is never granted', () => {
    const q = new FairQueue(1);
    const r = req('a', 'free', 1);
    q.acquire(r, () => {});
    const grants: number[] = [];
    const first = q.acquire(r, () => grants.push(1));
    const second = q.acquire(r, () => grants.push(2));
    expect(first.kind).toBe('queued');
    expect(q.cancel((first as { ticket: Ticket }).ticket)).toBe(true);
    expect(q.waitingOf('a')).toBe(1);
    q.release('a');
    expect(grants).toEqual([2]);
    expect((second as { ticket: Ticket }).ticket.state).toBe('granted');
    expect(q.cancel((second as { ticket: Ticket }).ticket)).toBe(false);
  });

  it('forgets idle tenants so memory stays bounded', () => {
    const q = new FairQueue(1);
    for (let i = 0; i < 100; i++) {
      expect(q.acquire(req(`t${i}`, 'free', 1), () => {}).kind).toBe('granted');
      q.release(`t${i}`);
    }
    expect(q.stats()).toEqual({ inFlight: 0, waiting: 0, tenants: 0 });
  });

  describe('seats reserved for the top level', () => {
    it('keeps a flood of free requests off the reserved seats, so enterprise is granted at once', () => {
      const q = new FairQueue(4, { reservedSeats: 1 });
      const ent = req('ent', 'enterprise', 16);
      expect(q.acquire(ent, () => {}).kind).toBe('granted'); // the level is known
      q.release('ent');
      const flood = req('flood', 'free', 1);
      const kinds = Array.from({ length: 6 }, () => q.acquire(flood, () => {}).kind);
      expect(kinds).toEqual(['granted', 'granted', 'granted', 'queued', 'queued', 'queued']);
      expect(q.acquire(ent, () => {}).kind).toBe('granted'); // the held seat
      expect(q.stats()).toMatchObject({ inFlight: 4, waiting: 3 });
    });

    it('holds nothing back while only one level is known', () => {
      const q = new FairQueue(4, { reservedSeats: 1 });
      const flood = req('flood', 'free', 1);
      expect(Array.from({ length: 4 }, () => q.acquire(flood, () => {}).kind)).toEqual([
        'granted',
        'granted',
        'granted',
        'granted',
      ]);
    });

    it('gives a seat freed by the top level back to the waiting lower levels, up to their share', () => {
      const q = new FairQueue(3, { reservedSeats: 1 });
      const ent = req('ent', 'enterprise', 16);
      const free = req('free', 'free', 1);
      expect(q.acquire(ent, () => {}).kind).toBe('granted');
      let granted = 0;
      for (let i = 0; i < 4; i++) if (q.acquire(free, () => granted++).kind === 'granted') granted++;
      expect(granted).toBe(2); // capacity 3 − 1 held
      q.release('ent'); // the held seat frees: free may not take it
      expect(granted).toBe(2);
      q.release('free'); // one of free's own seats frees: the next free request takes it
      expect(granted).toBe(3);
    });

    it('still honours the weights and starves no one under saturation', () => {
      const q = new FairQueue(8, { reservedSeats: 2 });
      const grants = saturate(
        q,
        [req('e', 'enterprise', 16), req('p', 'pro', 4), req('f', 'free', 1)],
        21_000,
      );
      const total = [...grants.values()].reduce((a, b) => a + b, 0);
      expect(grants.get('f')! / total).toBeGreaterThan(0.9 / 21);
      expect(grants.get('e')! / total).toBeGreaterThan((0.9 * 16) / 21);
    });
  });
});
