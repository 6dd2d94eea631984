/**
 * Runs the compiled phrase automaton (compile.ts) over a stream of word ids.
 *
 * Two ways, same semantics:
 *
 * - `find` (queries): a lazily built DFA. A DFA state is the set of live (slot, marks skipped)
 *   pairs; the transition for (state, word) is computed once from the NFA, interned, and cached,
 *   so after warm-up each word costs one lookup whatever the input ("ignore ignore ignore …" or a
 *   page of punctuation reuse the same few states). Building a transition costs at most the number
 *   of slots, so the worst case stays linear; the cache is dropped when it grows past a bound.
 *   It does not track where a phrase started: when it reports a match, `exact` re-runs over the
 *   few tokens a phrase can span to find the start.
 * - `exact` (templates, spans): the NFA simulated directly, one entry per live slot with the token
 *   it started at, asking `accept` before reporting (templates skip negated phrases).
 *
 * Unknown words (id < 0, or outside this automaton's vocabulary) break every live phrase. Marks
 * (id < MARK_COUNT) break none that does not ask for them, up to MAX_SKIP in a row.
 */

import type { CompiledPhrases } from './compile.ts';
import { MARK_COUNT } from './marks.ts';

/**
 * A phrase skips at most this many marks in a row that it did not ask for ("ignore: | previous"
 * is fine, a page of punctuation is not).
 */
const MAX_SKIP = 6;
const SKIP_BITS = 3;
/** Encoded transition: next state × 2^20 + (pattern completed + 1). */
const FINAL_SPAN = 1 << 20;
/**
 * The DFA cache is dropped and rebuilt past either bound, so memory stays at a few megabytes per
 * compiled phrase set whatever the traffic (a state costs its set plus a small Map).
 */
const MAX_STATES = 4_000;
const MAX_STATE_PAIRS = 1_000_000;
/**
 * Transitions of non-empty states live in one open-addressing table (key state × 2^24 + word,
 * linear probing) instead of a Map per state: one hashed typed-array probe per word, no boxing.
 * It starts at 2^12 entries and doubles while under half full; past MAX_TRANS_LOG it is full
 * enough that the DFA is reset like at MAX_STATES.
 */
const TRANS_LOG = 12;
const MAX_TRANS_LOG = 20;

/** A candidate match: pattern index and the first/last token index it covers. */
export type AcceptMatch = (pattern: number, first: number, last: number) => boolean;

export interface Match {
  readonly pattern: number;
  readonly first: number;
  readonly last: number;
}

export class Matcher {
  private readonly c: CompiledPhrases;
  /** Longest span of tokens one match can cover (slots of the longest pattern × skips). */
  private readonly window: number;

  // --- exact NFA ---
  private live: Int32Array;
  private liveStart: Int32Array;
  private liveSkip: Int32Array;
  private next: Int32Array;
  private nextStart: Int32Array;
  private nextSkip: Int32Array;
  private readonly stamp: Int32Array;
  private round = 0;

  // --- lazy DFA ---
  private stateKey = new Map<string, number>();
  private stateSet: Int32Array[] = [];
  private statePairs = 0;
  /** Transitions of the empty state, by word id (-1 = not built yet): the hot path. */
  private fromEmpty: Float64Array;
  private transKey: Float64Array = new Float64Array(1 << TRANS_LOG).fill(-1);
  private transValue: Float64Array = new Float64Array(1 << TRANS_LOG);
  private transCount = 0;
  private readonly pairStamp: Int32Array;
  private pairRound = 0;
  private readonly scratch: Int32Array;

  constructor(compiled: CompiledPhrases) {
    this.c = compiled;
    const n = Math.max(1, compiled.slotCount);
    this.live = new Int32Array(n);
    this.liveStart = new Int32Array(n);
    this.liveSkip = new Int32Array(n);
    this.next = new Int32Array(n);
    this.nextStart = new Int32Array(n);
    this.nextSkip = new Int32Array(n);
    this.stamp = new Int32Array(n);
    this.pairStamp = new Int32Array(n << SKIP_BITS);
    this.scratch = new Int32Array(n << SKIP_BITS);
    this.window = (compiled.maxPatternSlots + 1) * (MAX_SKIP + 1);
    this.fromEmpty = new Float64Array(compiled.vocabSize).fill(-1);
    this.resetDfa();
  }

  private resetDfa(): void {
    this.statePairs = 0;
    this.stateKey = new Map([['', 0]]);
    this.stateSet = [new Int32Array(0)];
    this.transKey = new Float64Array(1 << TRANS_LOG).fill(-1);
    this.transValue = new Float64Array(1 << TRANS_LOG);
    this.transCount = 0;
    this.fromEmpty.fill(-1);
  }

  /**
   * The first match (by where it ends), or null. Every match is accepted (queries); the start is
   * recovered with `exact` over the tokens the match can span.
   */
  find(ids: Int32Array, count: number): Match | null {
    const limit = this.c.vocabSize;
    const fromEmpty = this.fromEmpty;
    let state = 0;
    let lastEmpty = -1;
    for (let t = 0; t < count; t++) {
      const w = ids[t]!;
      if (w < 0 || w >= limit) {
        state = 0;
        lastEmpty = t;
        continue;
      }
      let tr: number;
      if (state === 0) {
        tr = fromEmpty[w]!;
        if (tr < 0) {
          tr = this.build(0, w);
          this.fromEmpty[w] = tr;
        }
      } else {
        tr = this.cached(state, w);
        if (tr < 0) tr = this.build(state, w);
      }
      const final = (tr % FINAL_SPAN) - 1;
      if (final >= 0) {
        const from = Math.max(lastEmpty + 1, t - this.window);
        const exact = this.exact(ids, from, t + 1, () => true);
        return exact ?? { pattern: final, first: from, last: t };
      }
      state = Math.floor(tr / FINAL_SPAN);
      if (state === 0) lastEmpty = t;
      if (
        this.stateSet.length > MAX_STATES ||
        this.statePairs > MAX_STATE_PAIRS ||
        this.transCount > 1 << (MAX_TRANS_LOG - 1)
      ) {
        // Keep memory bounded; the current state survives as the only one rebuilt on demand.
        const keep = this.stateSet[state]!;
        this.resetDfa();
        state = this.intern(keep);
      }
    }
    return null;
  }

  /** Size of the lazy DFA's cache (for tests and debugging): states and cached transitions. */
  dfaSize(): { readonly states: number; readonly transitions: number; readonly table: number } {
    return { states: this.stateSet.length, transitions: this.transCount, table: this.transKey.length };
  }

  /** Cached transition of a non-empty `state` on word `w`, or -1. */
  private cached(state: number, w: number): number {
    const keys = this.transKey;
    const mask = keys.length - 1;
    const key = state * 0x1000000 + w;
    for (let i = transSlot(state, w, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return this.transValue[i]!;
      if (k < 0) return -1;
    }
  }

  private remember(state: number, w: number, tr: number): void {
    if ((this.transCount + 1) * 2 > this.transKey.length) {
      if (this.transKey.length < 1 << MAX_TRANS_LOG) this.growTrans();
    }
    const keys = this.transKey;
    const mask = keys.length - 1;
    const key = state * 0x1000000 + w;
    let i = transSlot(state, w, mask);
    while (keys[i]! >= 0 && keys[i] !== key) i = (i + 1) & mask;
    if (keys[i]! < 0) this.transCount++;
    keys[i] = key;
    this.transValue[i] = tr;
  }

  private growTrans(): void {
    const oldKeys = this.transKey;
    const oldValues = this.transValue;
    const size = oldKeys.length * 2;
    const keys = new Float64Array(size).fill(-1);
    const values = new Float64Array(size);
    const mask = size - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const key = oldKeys[j]!;
      if (key < 0) continue;
      const state = Math.floor(key / 0x1000000);
      let i = transSlot(state, key - state * 0x1000000, mask);
      while (keys[i]! >= 0) i = (i + 1) & mask;
      keys[i] = key;
      values[i] = oldValues[j]!;
    }
    this.transKey = keys;
    this.transValue = values;
  }

  /** Compute, intern and cache the transition of `state` on word `w`. */
  private build(state: number, w: number): number {
    const c = this.c;
    const bits = c.setBits;
    const slotSet = c.slotSet;
    const stride = c.stride;
    const target = c.slotTarget;
    const cOff = c.closureOffset;
    const cList = c.closureList;
    const cFinal = c.closureFinal;
    const stamp = this.pairStamp;
    const out = this.scratch;
    const round = ++this.pairRound;
    let n = 0;
    let final = -1;
    const isMark = w < MARK_COUNT;
    const word = w >>> 5;
    const bit = 1 << (w & 31);
    for (const pair of this.stateSet[state]!) {
      const s = pair >>> SKIP_BITS;
      if ((bits[slotSet[s]! * stride + word]! & bit) !== 0) {
        const to = target[s]!;
        if (final < 0 && cFinal[to]! >= 0) final = cFinal[to]!;
        for (let k = cOff[to]!; k < cOff[to + 1]!; k++) {
          const e = cList[k]! << SKIP_BITS;
          if (stamp[e] !== round) {
            stamp[e] = round;
            out[n++] = e;
          }
        }
      } else if (isMark && (pair & 7) < MAX_SKIP) {
        const e = pair + 1;
        if (stamp[e] !== round) {
          stamp[e] = round;
          out[n++] = e;
        }
      }
    }
    if (final < 0 && c.startFinalOffset[w + 1]! > c.startFinalOffset[w]!)
      final = c.startFinalList[c.startFinalOffset[w]!]!;
    for (let k = c.startOffset[w]!; k < c.startOffset[w + 1]!; k++) {
      const e = c.startList[k]! << SKIP_BITS;
      if (stamp[e] !== round) {
        stamp[e] = round;
        out[n++] = e;
      }
    }
    const set = out.slice(0, n).sort();
    const next = this.intern(set);
    const tr = next * FINAL_SPAN + final + 1;
    if (state !== 0) this.remember(state, w, tr);
    if (this.pairRound > 0x3fffffff) {
      stamp.fill(0);
      this.pairRound = 0;
    }
    return tr;
  }

  private intern(set: Int32Array): number {
    const key = set.join(',');
    let id = this.stateKey.get(key);
    if (id === undefined) {
      id = this.stateSet.length;
      this.stateKey.set(key, id);
      this.stateSet.push(set);
      this.statePairs += set.length;
    }
    return id;
  }

  /**
   * Simulate the NFA over ids[from, to) with start positions; the first match (by end) that
   * `accept` agrees to, or null.
   */
  exact(ids: Int32Array, from: number, to: number, accept: AcceptMatch): Match | null {
    const c = this.c;
    const bits = c.setBits;
    const slotSet = c.slotSet;
    const stride = c.stride;
    const limit = c.vocabSize;
    const target = c.slotTarget;
    const cOff = c.closureOffset;
    const cList = c.closureList;
    const cFinal = c.closureFinal;
    const sOff = c.startOffset;
    const sList = c.startList;
    const fOff = c.startFinalOffset;
    const fList = c.startFinalList;
    const stamp = this.stamp;
    let live = this.live;
    let liveStart = this.liveStart;
    let liveSkip = this.liveSkip;
    let next = this.next;
    let nextStart = this.nextStart;
    let nextSkip = this.nextSkip;
    let liveCount = 0;
    if (this.round > 0x3fffffff) {
      stamp.fill(0);
      this.round = 0;
    }
    let round = this.round;
    let found: Match | null = null;

    for (let t = from; t < to && !found; t++) {
      const w = ids[t]!;
      if (w < 0 || w >= limit) {
        liveCount = 0;
        continue;
      }
      round++;
      let nextCount = 0;
      const isMark = w < MARK_COUNT;
      const word = w >>> 5;
      const bit = 1 << (w & 31);
      for (let a = 0; a < liveCount; a++) {
        const s = live[a]!;
        const st = liveStart[a]!;
        if ((bits[slotSet[s]! * stride + word]! & bit) !== 0) {
          const to2 = target[s]!;
          const p = cFinal[to2]!;
          if (p >= 0 && accept(p, st, t)) {
            found = { pattern: p, first: st, last: t };
            break;
          }
          for (let k = cOff[to2]!; k < cOff[to2 + 1]!; k++) {
            const s2 = cList[k]!;
            if (stamp[s2] !== round) {
              stamp[s2] = round;
              next[nextCount] = s2;
              nextStart[nextCount] = st;
              nextSkip[nextCount] = 0;
              nextCount++;
            }
          }
        } else if (isMark && stamp[s] !== round && liveSkip[a]! < MAX_SKIP) {
          stamp[s] = round;
          next[nextCount] = s;
          nextStart[nextCount] = st;
          nextSkip[nextCount] = liveSkip[a]! + 1;
          nextCount++;
        }
      }
      if (found) break;
      for (let k = fOff[w]!; k < fOff[w + 1]!; k++) {
        const p = fList[k]!;
        if (accept(p, t, t)) {
          found = { pattern: p, first: t, last: t };
          break;
        }
      }
      if (found) break;
      for (let k = sOff[w]!; k < sOff[w + 1]!; k++) {
        const s2 = sList[k]!;
        if (stamp[s2] !== round) {
          stamp[s2] = round;
          next[nextCount] = s2;
          nextStart[nextCount] = t;
          nextSkip[nextCount] = 0;
          nextCount++;
        }
      }
      let tmp = live;
      live = next;
      next = tmp;
      tmp = liveStart;
      liveStart = nextStart;
      nextStart = tmp;
      tmp = liveSkip;
      liveSkip = nextSkip;
      nextSkip = tmp;
      liveCount = nextCount;
    }
    this.live = live;
    this.liveStart = liveStart;
    this.liveSkip = liveSkip;
    this.next = next;
    this.nextStart = nextStart;
    this.nextSkip = nextSkip;
    this.round = round;
    return found;
  }
}

/** Home slot of (state, word) in the transition table. */
function transSlot(state: number, w: number, mask: number): number {
  return (Math.imul(state, 0x9e3779b1) ^ Math.imul(w, 0x85ebca6b)) & mask;
}
