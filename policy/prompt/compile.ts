/**
 * Compiles phrase catalogues (see phrases/types.ts) and deny phrases into ONE automaton over
 * word ids: a Thompson NFA whose states are "slots" (a set of accepted word ids), with epsilon
 * closures precomputed. Matching (match.ts) keeps a deduplicated set of live slots, so the cost
 * per input word is bounded by the number of slots that can be live at once, never by the input:
 * linear time, no backtracking.
 *
 * Optional words and alternatives are not expanded into every combination: "ignore [all] [the]
 * (previous|prior|…) (instructions|rules|…)" is four slots, not hundreds of strings.
 */

import { SluiceError } from '../errors.ts';
import {
  MARK_COLON,
  MARK_COMMA,
  MARK_END,
  MARK_GT,
  MARK_HASH,
  MARK_LBRACKET,
  MARK_LINE,
  MARK_LT,
  MARK_PIPE,
  MARK_RBRACKET,
  MARK_SLASH,
} from './marks.ts';
import { normaliseWords } from './normalise.ts';
import { PHRASE_RULES, type PhraseRule, type PhraseSet } from './phrases/types.ts';
import { NUMBER_ID, type Vocabulary } from './vocabulary.ts';

export const RULES = [...PHRASE_RULES, 'deny_phrase'] as const;
export type MatchRule = (typeof RULES)[number];
export const DENY_RULE = RULES.indexOf('deny_phrase');
export const REPORT_BEFORE = 1;
export const REPORT_AFTER = 2;

const MARK_ESCAPES: Record<string, number> = {
  '\\<': MARK_LT,
  '\\>': MARK_GT,
  '\\|': MARK_PIPE,
  '\\[': MARK_LBRACKET,
  '\\]': MARK_RBRACKET,
  '\\#': MARK_HASH,
  '\\:': MARK_COLON,
  '\\/': MARK_SLASH,
  '\\,': MARK_COMMA,
  '\\.': MARK_END,
  '\\d': NUMBER_ID,
};

type Element =
  | { readonly k: 'word'; readonly word: string }
  | { readonly k: 'mark'; readonly id: number }
  | { readonly k: 'group'; readonly alts: readonly (readonly Element[])[]; readonly optional: boolean };

export interface CompiledPhrases {
  /** Ids at or above this are unknown to this automaton. */
  readonly vocabSize: number;
  /** Upper bound on the words one match consumes (for the span re-run window, match.ts). */
  readonly maxPatternSlots: number;
  readonly slotCount: number;
  /** 32-bit words per word-set bitset row. */
  readonly stride: number;
  /** Per slot: its word set. */
  readonly slotSet: Int32Array;
  /** sets × stride bitset: set k accepts word id w. */
  readonly setBits: Uint32Array;
  /** Position a slot leads to once it has consumed its word. */
  readonly slotTarget: Int32Array;
  /** Per position: the slots reachable through optional/alternative edges (CSR). */
  readonly closureOffset: Int32Array;
  readonly closureList: Int32Array;
  /** Per position: the pattern that is complete there, or -1. */
  readonly closureFinal: Int32Array;
  /** Per word id: the slots that are live after a phrase starts with it (CSR). */
  readonly startOffset: Int32Array;
  readonly startList: Int32Array;
  /** Per word id: the phrases that word completes on its own (CSR). */
  readonly startFinalOffset: Int32Array;
  readonly startFinalList: Int32Array;
  /** Per pattern: index into RULES. */
  readonly patternRule: Uint8Array;
  /** Per pattern: "en: ignore [all] …" or "deny: project zeus", for tests and debugging. */
  readonly patternSource: readonly string[];
  /** Per word id: 1 when the word is a template negator. */
  readonly negator: Uint8Array;
  /**
   * Per word id: REPORT_BEFORE / REPORT_AFTER bits when the word, before / after a phrase, marks
   * reported speech or a question about it (queries).
   */
  readonly reporter: Uint8Array;
}

/** Tokenise the phrase syntax. */
function lexPhrase(source: string): string[] {
  return source.match(/\\.|[()[\]|^$]|@[a-z0-9_]+|[^\s()[\]|^$\\@]+/g) ?? [];
}

const wordCache = new Map<string, string[]>();
/** Phrase words repeat across phrases and classes; normalising each spelling once saves most of the parse. */
function cachedWords(raw: string): string[] {
  let words = wordCache.get(raw);
  if (words === undefined) {
    words = normaliseWords(raw);
    wordCache.set(raw, words);
  }
  return words;
}

class PhraseParser {
  private readonly set: PhraseSet;
  private readonly shared: PhraseSet | undefined;
  private readonly classCache = new Map<string, Element>();
  private readonly expanding = new Set<string>();

  constructor(set: PhraseSet, shared: PhraseSet | undefined) {
    this.set = set;
    this.shared = shared;
  }

  parse(source: string): Element[] {
    const tokens = lexPhrase(source);
    let pos = 0;
    const fail = (why: string): never => {
      throw new SluiceError('SLUICE_CONFIG_INVALID', `phrase "${source}" (${this.set.language}): ${why}`);
    };
    const parseAlts = (close: string | null): Element[][] => {
      const alts: Element[][] = [[]];
      while (pos < tokens.length) {
        const t = tokens[pos]!;
        if (t === ')' || t === ']') {
          if (t !== close) fail(`unexpected "${t}"`);
          return alts;
        }
        pos++;
        if (t === '|') {
          if (close === null) fail('"|" outside a group');
          alts.push([]);
          continue;
        }
        const seq = alts[alts.length - 1]!;
        if (t === '(' || t === '[') {
          const inner = parseAlts(t === '(' ? ')' : ']');
          if (tokens[pos] !== (t === '(' ? ')' : ']')) fail(`unclosed "${t}"`);
          pos++;
          seq.push({ k: 'group', alts: inner, optional: t === '[' });
        } else if (t === '^') seq.push({ k: 'mark', id: MARK_LINE });
        else if (t === '$') {
          seq.push({
            k: 'group',
            optional: false,
            alts: [[{ k: 'mark', id: MARK_END }], [{ k: 'mark', id: MARK_LINE }]],
          });
        } else if (t.startsWith('\\')) {
          const id = MARK_ESCAPES[t];
          if (id === undefined) fail(`unknown mark "${t}"`);
          seq.push({ k: 'mark', id: id! });
        } else if (t.startsWith('@')) seq.push(this.classRef(t.slice(1), fail));
        else {
          const words = cachedWords(t);
          if (words.length === 0) fail(`"${t}" has no letters`);
          for (const word of words) seq.push({ k: 'word', word });
        }
      }
      if (close !== null) fail(`unclosed group`);
      return alts;
    };
    const alts = parseAlts(null);
    if (pos !== tokens.length) fail('trailing input');
    return alts[0]!;
  }

  private classRef(name: string, fail: (why: string) => never): Element {
    const cached = this.classCache.get(name);
    if (cached) return cached;
    const body = this.set.classes?.[name] ?? this.shared?.classes?.[name];
    if (body === undefined) fail(`unknown class @${name}`);
    if (this.expanding.has(name)) fail(`class @${name} refers to itself`);
    this.expanding.add(name);
    const inner = this.parse(`(${body})`);
    this.expanding.delete(name);
    const el = inner[0]!;
    this.classCache.set(name, el);
    return el;
  }
}

export interface ParsedPattern {
  readonly rule: number;
  readonly source: string;
  readonly elements: readonly Element[];
}

/** Parse every catalogue once; deny phrases are added per screener. */
export function parseCatalogue(sets: readonly PhraseSet[]): {
  patterns: ParsedPattern[];
  negators: string[];
  reporters: string[];
  reportersAfter: string[];
} {
  const shared = sets.find((s) => s.language === 'shared');
  const patterns: ParsedPattern[] = [];
  const negators: string[] = [];
  const reporters: string[] = [];
  const reportersAfter: string[] = [];
  for (const set of sets) {
    const parser = new PhraseParser(set, shared);
    for (const rule of PHRASE_RULES) {
      for (const source of set.phrases[rule as PhraseRule] ?? []) {
        patterns.push({
          rule: RULES.indexOf(rule),
          source: `${set.language}: ${source}`,
          elements: parser.parse(source),
        });
      }
    }
    if (set.templateNegators) {
      for (const alt of set.templateNegators.split('|')) negators.push(...normaliseWords(alt));
    }
    if (set.reportingCues) {
      for (const alt of set.reportingCues.split('|')) reporters.push(...normaliseWords(alt));
    }
    if (set.reportingCuesAfter) {
      for (const alt of set.reportingCuesAfter.split('|')) reportersAfter.push(...normaliseWords(alt));
    }
  }
  return { patterns, negators, reporters, reportersAfter };
}

/** A deny phrase as a pattern: its normalised words in order. */
export function denyPattern(phrase: string, index: number): ParsedPattern {
  const words = normaliseWords(phrase);
  if (words.length === 0) {
    throw new SluiceError(
      'SLUICE_POLICY_INVALID',
      `denyPhrases[${index}] ("${phrase}") has no letters or digits`,
    );
  }
  return {
    rule: DENY_RULE,
    source: `deny: ${words.join(' ')}`,
    elements: words.map((word) => ({ k: 'word', word })),
  };
}

function collectWords(elements: readonly Element[], into: Set<string>): void {
  for (const el of elements) {
    if (el.k === 'word') into.add(el.word);
    else if (el.k === 'group') for (const alt of el.alts) collectWords(alt, into);
  }
}

/** Every word the patterns use, sorted (stable ids: see compilePatterns). */
export function patternWords(patterns: readonly ParsedPattern[], extra: readonly string[] = []): string[] {
  const words = new Set<string>(extra);
  for (const p of patterns) collectWords(p.elements, words);
  return [...words].sort();
}

/**
 * Compile patterns against `vocab`. Word ids at or above `vocab.size` at compile time are unknown
 * to this automaton: a screener with deny phrases builds a larger vocabulary whose first ids are
 * the catalogue's, so the catalogue automaton is compiled once per process and reused.
 */
export function compilePatterns(
  patterns: readonly ParsedPattern[],
  negators: readonly string[],
  vocab: Vocabulary,
  reporters: readonly string[] = [],
  reportersAfter: readonly string[] = [],
): CompiledPhrases {
  // --- Thompson construction: positions with epsilon edges; slots consume one word. ---
  const eps: number[][] = [];
  const outSlots: number[][] = [];
  const finalOf: number[] = [];
  const slotSetKey: string[] = [];
  const slotTarget: number[] = [];
  const newPos = (): number => {
    eps.push([]);
    outSlots.push([]);
    finalOf.push(-1);
    return eps.length - 1;
  };
  const addSlot = (from: number, ids: readonly number[]): number => {
    const to = newPos();
    slotSetKey.push(ids.length === 1 ? String(ids[0]) : [...new Set(ids)].sort((a, b) => a - b).join(','));
    slotTarget.push(to);
    outSlots[from]!.push(slotSetKey.length - 1);
    return to;
  };
  const ids = new Map<string, number>();
  const idOf = (word: string): number => {
    let id = ids.get(word);
    if (id === undefined) {
      id = vocab.idOf(word);
      if (id < 0) throw new Error(`compile: "${word}" missing from vocabulary`);
      ids.set(word, id);
    }
    return id;
  };
  const headId = (el: Element): number => (el.k === 'word' ? idOf(el.word) : el.k === 'mark' ? el.id : -1);
  const buildSeq = (seq: readonly Element[], entry: number): number => {
    let cur = entry;
    for (const el of seq) {
      if (el.k !== 'group') {
        cur = addSlot(cur, [headId(el)]);
        continue;
      }
      const exit = newPos();
      buildAlts(el.alts, cur, exit);
      if (el.optional) eps[cur]!.push(exit);
      cur = exit;
    }
    return cur;
  };
  // Alternatives from `entry` to `exit`. Single words share one slot; longer alternatives that
  // start with the same word share that first slot ("do not follow" | "do not obey"), which
  // keeps the automaton small when classes with many phrases are used in many patterns.
  const buildAlts = (alts: readonly (readonly Element[])[], entry: number, exit: number): void => {
    const singles: number[] = [];
    const byHead = new Map<number, (readonly Element[])[]>();
    for (const alt of alts) {
      if (alt.length === 0) {
        eps[entry]!.push(exit);
        continue;
      }
      const head = headId(alt[0]!);
      if (head < 0) {
        const start = newPos();
        eps[entry]!.push(start);
        eps[buildSeq(alt, start)]!.push(exit);
      } else if (alt.length === 1) singles.push(head);
      else {
        const rest = byHead.get(head);
        if (rest) rest.push(alt.slice(1));
        else byHead.set(head, [alt.slice(1)]);
      }
    }
    if (singles.length > 0) eps[addSlot(entry, singles)]!.push(exit);
    for (const [head, rests] of byHead) buildAlts(rests, addSlot(entry, [head]), exit);
  };
  const patternStart: number[] = [];
  let maxPatternSlots = 0;
  patterns.forEach((p, index) => {
    const before = slotSetKey.length;
    const start = newPos();
    patternStart.push(start);
    finalOf[buildSeq(p.elements, start)] = index;
    // Every slot the pattern created: an upper bound on the words one match can consume.
    maxPatternSlots = Math.max(maxPatternSlots, slotSetKey.length - before);
  });

  // --- Epsilon closures, flattened. ---
  const positions = eps.length;
  const closureOffset = new Int32Array(positions + 1);
  const closureFinal = new Int32Array(positions).fill(-1);
  const closureList: number[] = [];
  const seen = new Int32Array(positions).fill(-1);
  const stack: number[] = [];
  for (let p = 0; p < positions; p++) {
    closureOffset[p] = closureList.length;
    stack.push(p);
    seen[p] = p;
    while (stack.length > 0) {
      const q = stack.pop()!;
      if (finalOf[q]! >= 0) closureFinal[p] = finalOf[q]!;
      const out = outSlots[q]!;
      for (let k = 0; k < out.length; k++) closureList.push(out[k]!);
      const next = eps[q]!;
      for (let k = 0; k < next.length; k++) {
        const r = next[k]!;
        if (seen[r] !== p) {
          seen[r] = p;
          stack.push(r);
        }
      }
    }
  }
  closureOffset[positions] = closureList.length;
  patterns.forEach((p, index) => {
    if (closureFinal[patternStart[index]!] === index) {
      throw new SluiceError('SLUICE_CONFIG_INVALID', `phrase "${p.source}" matches empty input`);
    }
  });

  // --- Word sets, interned: many slots accept the same set (every use of @verb). ---
  const vocabSize = vocab.size;
  const stride = (vocabSize + 31) >>> 5;
  const setIndex = new Map<string, number>();
  const slotCount = slotSetKey.length;
  const slotSet = new Int32Array(slotCount);
  const setIds: number[][] = [];
  for (let s = 0; s < slotCount; s++) {
    const key = slotSetKey[s]!;
    let index = setIndex.get(key);
    if (index === undefined) {
      index = setIds.length;
      setIndex.set(key, index);
      setIds.push(key.split(',').map(Number));
    }
    slotSet[s] = index;
  }
  const setBits = new Uint32Array(setIds.length * stride);
  setIds.forEach((ids, index) => {
    for (const id of ids) setBits[index * stride + (id >>> 5)]! |= 1 << (id & 31);
  });

  // --- Per word: what starting a phrase with it leads to, precomputed (the union of the closures
  // after every start slot that accepts it, and the phrases it completes alone), so the matcher
  // does one list walk per word instead of one closure walk per start slot. ---
  const startSlotsByWord: number[][] = [];
  for (let id = 0; id < vocabSize; id++) startSlotsByWord.push([]);
  const seenStart = new Set<number>();
  for (const start of patternStart) {
    for (let k = closureOffset[start]!; k < closureOffset[start + 1]!; k++) {
      const s = closureList[k]!;
      if (seenStart.has(s)) continue;
      seenStart.add(s);
      for (const id of setIds[slotSet[s]!]!) startSlotsByWord[id]!.push(s);
    }
  }
  const startOffset = new Int32Array(vocabSize + 1);
  const startFinalOffset = new Int32Array(vocabSize + 1);
  const startList: number[] = [];
  const startFinalList: number[] = [];
  const mark = new Int32Array(slotCount).fill(-1);
  for (let id = 0; id < vocabSize; id++) {
    startOffset[id] = startList.length;
    startFinalOffset[id] = startFinalList.length;
    for (const s of startSlotsByWord[id]!) {
      const to = slotTarget[s]!;
      const p = closureFinal[to]!;
      if (p >= 0 && !startFinalList.slice(startFinalOffset[id]!).includes(p)) startFinalList.push(p);
      for (let k = closureOffset[to]!; k < closureOffset[to + 1]!; k++) {
        const s2 = closureList[k]!;
        if (mark[s2] !== id) {
          mark[s2] = id;
          startList.push(s2);
        }
      }
    }
  }
  startOffset[vocabSize] = startList.length;
  startFinalOffset[vocabSize] = startFinalList.length;

  const negator = new Uint8Array(vocabSize);
  for (const n of negators) {
    const id = vocab.idOf(n);
    if (id >= 0) negator[id] = 1;
  }
  const reporter = new Uint8Array(vocabSize);
  for (const r of reporters) {
    const id = vocab.idOf(r);
    if (id >= 0) reporter[id]! |= REPORT_BEFORE;
  }
  for (const r of reportersAfter) {
    const id = vocab.idOf(r);
    if (id >= 0) reporter[id]! |= REPORT_AFTER;
  }

  return {
    vocabSize,
    maxPatternSlots,
    slotCount,
    stride,
    slotSet,
    setBits,
    slotTarget: Int32Array.from(slotTarget),
    closureOffset,
    closureList: Int32Array.from(closureList),
    closureFinal,
    startOffset,
    startList: Int32Array.from(startList),
    startFinalOffset,
    startFinalList: Int32Array.from(startFinalList),
    patternRule: Uint8Array.from(patterns.map((p) => p.rule)),
    patternSource: patterns.map((p) => p.source),
    negator,
    reporter,
  };
}
