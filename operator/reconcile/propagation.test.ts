import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeServed, NOT_HELD } from '../../policy/wire.ts';
import { ACK_WINDOW_MS, type PropagationInput, planPropagation, type ServedSnapshot } from './propagation.ts';

const T0 = Date.parse('2026-12-01T12:00:00.000Z');
const V = 'v2';
/** A read after the acknowledgement window ran out. */
const LATE = T0 + ACK_WINDOW_MS + 1;

const snap = (over: Partial<ServedSnapshot>): ServedSnapshot => ({
  nowMs: T0 + 1_000,
  windowUntilMs: T0 + ACK_WINDOW_MS,
  live: ['a', 'b'],
  acks: {},
  ...over,
});
/** What sidecars `a` and `b` last acknowledged: a version applied at T0 + offset ms, read at `nowMs`. */
const acked = (a: [string, number], b: [string, number], nowMs = T0 + 1_000) => ({
  served: snap({ nowMs, acks: { a: encodeServed(a[0], T0 + a[1]), b: encodeServed(b[0], T0 + b[1]) } }),
});
const written = { version: V, writtenAt: new Date(T0).toISOString(), sidecars: 0, liveSidecars: 2 };
const input = (over: Partial<PropagationInput>): PropagationInput => ({
  version: V,
  writing: false,
  served: snap({}),
  previous: written,
  previousCondition: { type: 'Propagated', status: 'False', reason: 'Propagating', message: '' },
  ...over,
});

describe('planPropagation', () => {
  it.each([
    [
      'a write opens the window and polls',
      { writing: true, served: snap({ nowMs: T0 }) },
      ['False', 'Propagating', 'open'],
    ],
    [
      'no live sidecar is Unknown, not an error; no window stays open',
      { served: snap({ live: [] }) },
      ['Unknown', 'NoSidecars', 'close'],
    ],
    [
      'a write with no live sidecar opens no window',
      { writing: true, served: snap({ live: [], windowUntilMs: null }) },
      ['Unknown', 'NoSidecars', 'none'],
    ],
    [
      'sidecars appeared after "no sidecars": a window opens to learn',
      {
        served: snap({ windowUntilMs: null }),
        previousCondition: { type: 'Propagated', status: 'Unknown', reason: 'NoSidecars', message: '' },
      },
      ['False', 'Propagating', 'open'],
    ],
    [
      'one of two acknowledged: still propagating',
      { served: snap({ acks: { a: encodeServed(V, T0 + 300) } }) },
      ['False', 'Propagating', 'none'],
    ],
    [
      'both acknowledged: propagated, window closed',
      acked([V, 300], [V, 420]),
      ['True', 'AllSidecarsServing', 'close'],
    ],
    [
      'a replica serving another version holds it back',
      acked(['v1', -60_000], [V, 420]),
      ['False', 'Propagating', 'none'],
    ],
    [
      'the window ran out with one behind: SidecarsBehind',
      acked([V, 300], ['v1', -5_000], LATE),
      ['False', 'SidecarsBehind', 'close'],
    ],
    [
      'one serves it, the other does not hold the tenant: propagated, window closed',
      acked([V, 300], [NOT_HELD, 200]),
      ['True', 'AllSidecarsServing', 'close'],
    ],
    [
      'no live sidecar holds the tenant: propagated (each loads this version on first use)',
      acked([NOT_HELD, 100], [NOT_HELD, 200]),
      ['True', 'AllSidecarsServing', 'close'],
    ],
    [
      'not held by one, old version on the other: still propagating',
      acked([NOT_HELD, 100], ['v1', -5_000]),
      ['False', 'Propagating', 'none'],
    ],
    [
      'the window ran out with a not-held sidecar and one behind: SidecarsBehind',
      acked([NOT_HELD, 300], ['v1', -5_000], LATE),
      ['False', 'SidecarsBehind', 'close'],
    ],
    ['Redis unreadable: Unknown', { served: null }, ['Unknown', 'ReportUnavailable', 'none']],
    [
      'a version with no record (upgraded operator) opens a window',
      { previous: undefined, previousCondition: undefined, served: snap({ windowUntilMs: null }) },
      ['False', 'Propagating', 'open'],
    ],
  ] as const)('%s', (_name, over, [status, reason, window]) => {
    const plan = planPropagation(input(over as Partial<PropagationInput>));
    expect(plan.condition).toMatchObject({ type: 'Propagated', status, reason });
    expect(plan.window).toBe(window);
  });

  it('reports when the last sidecar applied it, on the Redis clock', () => {
    const plan = planPropagation(
      input({ served: snap({ acks: { a: encodeServed(V, T0 + 300), b: encodeServed(V, T0 + 420) } }) }),
    );
    expect(plan.propagation).toEqual({
      ...written,
      sidecars: 2,
      liveSidecars: 2,
      notHeld: 0,
      propagatedAt: '2026-12-01T12:00:00.420Z',
    });
    expect(plan.requeueAfterMs).toBeNull();
  });

  it('a sidecar that does not hold the tenant is counted as not held, never as behind or serving', () => {
    const plan = planPropagation(
      input({
        served: snap({ acks: { a: encodeServed(V, T0 + 300), b: encodeServed(NOT_HELD, T0 + 900) } }),
      }),
    );
    expect(plan.propagation).toEqual({
      ...written,
      sidecars: 1,
      liveSidecars: 2,
      notHeld: 1,
      propagatedAt: '2026-12-01T12:00:00.300Z',
    });
    expect(plan.condition.message).toContain('1 do not hold the tenant');
  });

  it('with no sidecar holding the tenant, it is in effect from the write on', () => {
    const plan = planPropagation(
      input({
        served: snap({ acks: { a: encodeServed(NOT_HELD, T0 + 100), b: encodeServed(NOT_HELD, T0 + 200) } }),
      }),
    );
    expect(plan.propagation).toMatchObject({
      sidecars: 0,
      liveSidecars: 2,
      notHeld: 2,
      propagatedAt: written.writtenAt,
    });
  });

  it('every live sidecar is exactly one of serving, not held or behind (property)', () => {
    const ack = fc.oneof(
      fc.constant(null),
      fc.constant(encodeServed(V, T0 + 10)),
      fc.constant(encodeServed('v1', T0 - 10)),
      fc.constant(encodeServed(NOT_HELD, T0 + 20)),
      fc.constant('garbage'),
    );
    fc.assert(
      fc.property(fc.array(ack, { minLength: 1, maxLength: 8 }), fc.boolean(), (acks, expired) => {
        const live = acks.map((_, i) => `r${i}`);
        const served = snap({
          live,
          nowMs: expired ? T0 + ACK_WINDOW_MS + 1 : T0 + 1_000,
          acks: Object.fromEntries(acks.flatMap((a, i) => (a === null ? [] : [[`r${i}`, a]]))),
        });
        const plan = planPropagation(input({ served }));
        const serving = acks.filter((a) => a === encodeServed(V, T0 + 10)).length;
        const notHeld = acks.filter((a) => a === encodeServed(NOT_HELD, T0 + 20)).length;
        expect(plan.propagation.sidecars).toBe(serving);
        expect(plan.propagation.notHeld ?? 0).toBe(notHeld);
        const behind = live.length - serving - notHeld;
        expect(plan.condition.reason).toBe(
          behind === 0 ? 'AllSidecarsServing' : expired ? 'SidecarsBehind' : 'Propagating',
        );
      }),
    );
  });

  it('content unchanged by the write (only the generation moved) is in effect from the write on', () => {
    const plan = planPropagation(
      input({ served: snap({ acks: { a: encodeServed(V, T0 - 60_000), b: encodeServed(V, T0 - 50_000) } }) }),
    );
    expect(plan.condition.reason).toBe('AllSidecarsServing');
    expect(plan.propagation.propagatedAt).toBe(new Date(T0).toISOString());
  });

  it('keeps what it reported when the window is closed and nothing is new', () => {
    const done = { ...written, sidecars: 2, propagatedAt: '2026-12-01T12:00:00.420Z' };
    const condition = {
      type: 'Propagated',
      status: 'True',
      reason: 'AllSidecarsServing',
      message: 'm',
    } as const;
    // A third sidecar started later and never acknowledged: that is not "behind".
    const plan = planPropagation(
      input({
        previous: done,
        previousCondition: condition,
        served: snap({ windowUntilMs: null, live: ['a', 'b', 'c'] }),
      }),
    );
    expect(plan.condition).toBe(condition);
    expect(plan.propagation).toBe(done);
  });

  it('polls while propagating, never faster than 250 ms nor slower than 15 s, never past the deadline', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ACK_WINDOW_MS - 1 }), (age) => {
        const plan = planPropagation(input({ served: snap({ nowMs: T0 + age }) }));
        expect(plan.condition.reason).toBe('Propagating');
        expect(plan.requeueAfterMs).toBeGreaterThanOrEqual(250);
        expect(plan.requeueAfterMs).toBeLessThanOrEqual(Math.max(250, Math.min(15_000, ACK_WINDOW_MS - age)));
      }),
    );
  });
});
