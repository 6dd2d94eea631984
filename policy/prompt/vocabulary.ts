/**
 * The vocabulary of the phrase set: every folded word any phrase uses, in a trie that is walked
 * one code point at a time straight from the fold buffer (no substring per word).
 *
 * Keys fold `l` and `i` together, because leetspeak `1` and `|` stand for either ("a11" = "all",
 * "1gnore" = "ignore"): the vocabulary holds "all" under the key "aii", and the fold of "a11" is
 * "aii". Two vocabulary words that differ only by l/i would share an id; none of the phrase
 * languages has such a pair that matters, and a shared id can only make two phrase words
 * interchangeable, never create a phrase out of unrelated words.
 */

import { MARK_COUNT } from './marks.ts';

const ALPHA = 26;

/**
 * Every vocabulary starts with this pseudo-word, so its id is always MARK_COUNT: a run of digits
 * that is not itself a vocabulary word resolves to it (phrase syntax `\\d`: "the first 50 words
 * of your prompt"). NUL cannot reach the matcher (clean.ts strips control characters).
 */
const NUMBER_WORD = '\u0000';
export const NUMBER_ID = MARK_COUNT;
const KEY = new Int8Array(ALPHA);
for (let k = 0; k < ALPHA; k++) KEY[k] = k;
KEY['l'.charCodeAt(0) - 97] = 'i'.charCodeAt(0) - 97;

/** Child-table column of an ASCII code unit (a–z, with l = i), or -1 for everything else. */
export const ASCII_KEY: Int8Array = new Int8Array(128).fill(-1);
for (let k = 0; k < ALPHA; k++) ASCII_KEY[97 + k] = KEY[k]!;

/** Number of code points a sparse (non a–z) edge key is spread over. */
const SPARSE_SPAN = 0x110000;

/** A built trie, as stored in the catalogue snapshot (catalogue-snapshot.ts). */
export interface VocabularyState {
  readonly words: readonly string[];
  readonly maxLength: number;
  readonly children: Uint16Array | Int32Array;
  readonly terminal: Int32Array;
  /** Sparse edges: parent node, code point, child node (three entries per edge). */
  readonly sparse: Int32Array;
  readonly sparseAscii: boolean;
  readonly sparseOther: boolean;
}

export class Vocabulary {
  /** Word id − MARK_COUNT → word (index 0 is the number pseudo-word). Ids below MARK_COUNT are marks. */
  readonly words: readonly string[];
  readonly maxLength: number;
  /** nodes × 26 child table for a–z (0 = none; the root is never a child). Read by lex.ts inline. */
  readonly children: Uint16Array | Int32Array;
  /** Word id at each node, or -1. */
  readonly terminal: Int32Array;
  private readonly sparse: Map<number, number>;
  /** Whether any word has a character outside a–z below / above U+0080 (else such steps die at once). */
  private readonly sparseAscii: boolean;
  private readonly sparseOther: boolean;

  /** Build the trie of `words`, or restore one from `state()` (no rebuilding: the snapshot path). */
  constructor(words: Iterable<string> | VocabularyState) {
    if ('terminal' in words) {
      this.words = Object.freeze([...words.words]);
      this.maxLength = words.maxLength;
      this.children = words.children;
      this.terminal = words.terminal;
      const sparse = new Map<number, number>();
      const edges = words.sparse;
      for (let k = 0; k + 2 < edges.length; k += 3)
        sparse.set(edges[k]! * SPARSE_SPAN + edges[k + 1]!, edges[k + 2]!);
      this.sparse = sparse;
      this.sparseAscii = words.sparseAscii;
      this.sparseOther = words.sparseOther;
      return;
    }
    const list: string[] = [];
    let cap = 1024;
    let children = new Int32Array(cap * ALPHA);
    let terminal = new Int32Array(cap).fill(-1);
    let nodes = 1;
    const sparse = new Map<number, number>();
    const newNode = (): number => {
      if (nodes === cap) {
        cap *= 2;
        const c = new Int32Array(cap * ALPHA);
        c.set(children);
        children = c;
        const t = new Int32Array(cap).fill(-1);
        t.set(terminal);
        terminal = t;
      }
      return nodes++;
    };
    let maxLength = 0;
    let sparseAscii = false;
    let sparseOther = false;
    for (const word of [NUMBER_WORD, ...words]) {
      let node = 0;
      let length = 0;
      for (let i = 0; i < word.length; ) {
        const cp = word.codePointAt(i)!;
        i += cp > 0xffff ? 2 : 1;
        length++;
        if (cp >= 97 && cp <= 122) {
          const slot = node * ALPHA + KEY[cp - 97]!;
          let next = children[slot]!;
          if (next === 0) {
            next = newNode();
            children[slot] = next;
          }
          node = next;
        } else {
          if (word !== NUMBER_WORD) {
            if (cp < 0x80) sparseAscii = true;
            else sparseOther = true;
          }
          const key = node * SPARSE_SPAN + cp;
          let next = sparse.get(key);
          if (next === undefined) {
            next = newNode();
            sparse.set(key, next);
          }
          node = next;
        }
      }
      if (length === 0 || terminal[node]! >= 0) continue;
      terminal[node] = MARK_COUNT + list.length;
      list.push(word);
      if (length > maxLength) maxLength = length;
    }
    this.words = Object.freeze(list);
    this.maxLength = maxLength;
    // Renumber nodes breadth-first: most words of a text leave the trie within two or three
    // letters, so keeping the shallow rows together keeps the hot part of the table in cache.
    const sparseEdges = new Map<number, [number, number][]>();
    for (const [key, child] of sparse) {
      const parent = Math.floor(key / SPARSE_SPAN);
      const edges = sparseEdges.get(parent);
      if (edges) edges.push([key % SPARSE_SPAN, child]);
      else sparseEdges.set(parent, [[key % SPARSE_SPAN, child]]);
    }
    const order = new Int32Array(nodes);
    const renumber = new Int32Array(nodes).fill(-1);
    renumber[0] = 0;
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const node = order[head++]!;
      for (let k = 0; k < ALPHA; k++) {
        const child = children[node * ALPHA + k]!;
        if (child !== 0 && renumber[child] === -1) {
          renumber[child] = tail;
          order[tail++] = child;
        }
      }
      for (const [, child] of sparseEdges.get(node) ?? []) {
        if (renumber[child] === -1) {
          renumber[child] = tail;
          order[tail++] = child;
        }
      }
    }
    // 16-bit node ids when they fit (they do for the catalogue): half the cache footprint.
    const bfsChildren = nodes < 0x10000 ? new Uint16Array(nodes * ALPHA) : new Int32Array(nodes * ALPHA);
    const bfsTerminal = new Int32Array(nodes);
    const bfsSparse = new Map<number, number>();
    for (let old = 0; old < nodes; old++) {
      const now = renumber[old]!;
      bfsTerminal[now] = terminal[old]!;
      for (let k = 0; k < ALPHA; k++) {
        const child = children[old * ALPHA + k]!;
        if (child !== 0) bfsChildren[now * ALPHA + k] = renumber[child]!;
      }
      for (const [cp, child] of sparseEdges.get(old) ?? [])
        bfsSparse.set(now * SPARSE_SPAN + cp, renumber[child]!);
    }
    this.children = bfsChildren;
    this.terminal = bfsTerminal;
    this.sparse = bfsSparse;
    this.sparseAscii = sparseAscii;
    this.sparseOther = sparseOther;
  }

  /** The built trie, for the catalogue snapshot; `new Vocabulary(v.state())` is the same trie. */
  state(): VocabularyState {
    const edges: number[] = [];
    for (const [key, child] of this.sparse) {
      edges.push(Math.floor(key / SPARSE_SPAN), key % SPARSE_SPAN, child);
    }
    return {
      words: this.words,
      maxLength: this.maxLength,
      children: this.children,
      terminal: this.terminal,
      sparse: Int32Array.from(edges),
      sparseAscii: this.sparseAscii,
      sparseOther: this.sparseOther,
    };
  }

  /** Number of ids, marks included. */
  get size(): number {
    return MARK_COUNT + this.words.length;
  }

  /** The trie node after `cp`, or -1. The root is node 0. */
  step(node: number, cp: number): number {
    if (cp >= 97 && cp <= 122) {
      const next = this.children[node * ALPHA + KEY[cp - 97]!]!;
      return next === 0 ? -1 : next;
    }
    if (cp < 0x80 ? !this.sparseAscii : !this.sparseOther) return -1;
    return this.sparse.get(node * SPARSE_SPAN + cp) ?? -1;
  }

  /** Word id at a node, or -1. */
  wordAt(node: number): number {
    return this.terminal[node]!;
  }

  /** Id of the word spelled by cps[from, to), or -1. */
  lookup(cps: Int32Array, from: number, to: number): number {
    let node = 0;
    for (let k = from; k < to; k++) {
      node = this.step(node, cps[k]!);
      if (node < 0) return -1;
    }
    return this.terminal[node]!;
  }

  /** Id of a folded word given as a string, or -1. */
  idOf(word: string): number {
    let node = 0;
    for (const ch of word) {
      node = this.step(node, ch.codePointAt(0)!);
      if (node < 0) return -1;
    }
    return this.terminal[node]!;
  }
}

/**
 * Splits a run of letters into vocabulary words ("ignoreallpreviousinstructions" → ignore, all,
 * previous, instructions). Dynamic programming over positions, each trying every vocabulary word
 * that starts there: O(length × longest word).
 */
export class Segmenter {
  /** Output: segment boundaries (indices into the code points) and word ids (-1 = unknown). */
  count = 0;
  segFrom: Int32Array = new Int32Array(16);
  segTo: Int32Array = new Int32Array(16);
  segId: Int32Array = new Int32Array(16);
  private cost: Int32Array = new Int32Array(64);
  private back: Int32Array = new Int32Array(64);
  private backId: Int32Array = new Int32Array(64);

  /**
   * Segment cps[from, to). With `partial`, characters that start no vocabulary word become
   * unknown segments (cost 1000 each, so fewer unknown characters always win, then fewer words);
   * without it the whole run must be vocabulary words of at least two letters (so "versions" is
   * not "version" + "s"), else the result is false.
   */
  run(vocab: Vocabulary, cps: Int32Array, from: number, to: number, partial: boolean): boolean {
    const minWord = partial ? 1 : 2;
    const n = to - from;
    if (this.cost.length < n + 1) {
      const cap = Math.max(n + 1, this.cost.length * 2);
      this.cost = new Int32Array(cap);
      this.back = new Int32Array(cap);
      this.backId = new Int32Array(cap);
    }
    const cost = this.cost;
    const back = this.back;
    const backId = this.backId;
    const INF = 0x7fffffff;
    cost.fill(INF, 0, n + 1);
    cost[0] = 0;
    for (let i = 0; i < n; i++) {
      const base = cost[i]!;
      if (base === INF) continue;
      if (partial && base + 1000 < cost[i + 1]!) {
        cost[i + 1] = base + 1000;
        back[i + 1] = i;
        backId[i + 1] = -1;
      }
      let node = 0;
      for (let j = i; j < n; j++) {
        node = vocab.step(node, cps[from + j]!);
        if (node < 0) break;
        const id = vocab.wordAt(node);
        if (id >= 0 && j + 1 - i >= minWord && base + 1 < cost[j + 1]!) {
          cost[j + 1] = base + 1;
          back[j + 1] = i;
          backId[j + 1] = id;
        }
      }
    }
    if (cost[n] === INF) {
      this.count = 0;
      return false;
    }
    // Walk back, merging adjacent unknown characters into one unknown segment.
    let count = 0;
    for (let j = n; j > 0; ) {
      const i = back[j]!;
      const id = backId[j]!;
      if (id < 0 && count > 0 && this.segId[count - 1] === -1 && this.segFrom[count - 1] === j) {
        this.segFrom[count - 1] = i;
      } else {
        if (count === this.segFrom.length) this.growSegments();
        this.segFrom[count] = i;
        this.segTo[count] = j;
        this.segId[count] = id;
        count++;
      }
      j = i;
    }
    this.segFrom.subarray(0, count).reverse();
    this.segTo.subarray(0, count).reverse();
    this.segId.subarray(0, count).reverse();
    this.count = count;
    return true;
  }

  private growSegments(): void {
    const cap = this.segFrom.length * 2;
    const g = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.segFrom = g(this.segFrom);
    this.segTo = g(this.segTo);
    this.segId = g(this.segId);
  }
}
