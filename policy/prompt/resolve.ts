/**
 * Step 4: turn tokens into the id stream the matcher reads, undoing the word-boundary tricks:
 *
 * - split words: "ig nore", "in structions" — two or three adjacent words whose concatenation is
 *   a vocabulary word of six letters or more, when the second part is not a word on its own;
 * - glued words: "ignorepreviousinstructions" — an unknown run of 8–256 ASCII letters, starting
 *   with a vocabulary word of three letters or more, that splits entirely into vocabulary words
 *   of two letters or more;
 * - spaced letters (merged in lex.ts): "i g n o r e a l l p r e v i o u s" — split into
 *   vocabulary words where possible, the rest kept as unknown;
 * - a word of digits that is not a vocabulary word reads as NUMBER_ID.
 *
 * Output positions are cleaned-text offsets (clean.ts maps them back to the input).
 */

import { FLAG_GLUED, FLAG_LEETSPEAK, FLAG_MIXED_SCRIPT, FLAG_SPACED, FLAG_SPLIT } from './flags.ts';
import { TK_MARK, type Tokens, W_ASCII, W_MERGED } from './lex.ts';
import { NUMBER_ID, type Segmenter, type Vocabulary } from './vocabulary.ts';

const SPLIT_MIN = 6;
/** Separator characters allowed between the parts of a split word ("ig nore", "ig-nore"). */
const SPLIT_GAP_MAX = 2;
const GLUED_MIN = 8;
/** Longer unknown words are left alone: the DP is linear, but such words are data, not text. */
const GLUED_MAX = 256;

/**
 * The id stream for the matcher. Usually it is the token arrays themselves, rewritten in place
 * (joins only shrink the stream); only a segmentation, which grows it, spills into own buffers.
 */
export class ResolvedTokens {
  count = 0;
  id: Int32Array = new Int32Array(64);
  start: Int32Array = new Int32Array(64);
  end: Int32Array = new Int32Array(64);
  private ownId: Int32Array = this.id;
  private ownStart: Int32Array = this.start;
  private ownEnd: Int32Array = this.end;

  /** Point at the token arrays (in-place mode). */
  borrow(tokens: Tokens): void {
    this.id = tokens.id;
    this.start = tokens.start;
    this.end = tokens.end;
  }

  /** Switch to own buffers, copying the first `count` entries from the borrowed arrays. */
  spill(count: number, capacity: number): void {
    if (this.ownId.length < capacity) {
      const cap = Math.max(capacity, this.ownId.length * 2);
      this.ownId = new Int32Array(cap);
      this.ownStart = new Int32Array(cap);
      this.ownEnd = new Int32Array(cap);
    }
    this.ownId.set(this.id.subarray(0, count));
    this.ownStart.set(this.start.subarray(0, count));
    this.ownEnd.set(this.end.subarray(0, count));
    this.id = this.ownId;
    this.start = this.ownStart;
    this.end = this.ownEnd;
    this.count = count;
  }

  push(id: number, start: number, end: number): void {
    if (this.count === this.id.length) {
      const cap = this.count * 2;
      const g = (a: Int32Array): Int32Array => {
        const b = new Int32Array(cap);
        b.set(a);
        return b;
      };
      this.ownId = this.id = g(this.id);
      this.ownStart = this.start = g(this.start);
      this.ownEnd = this.end = g(this.end);
    }
    const k = this.count++;
    this.id[k] = id;
    this.start[k] = start;
    this.end[k] = end;
  }
}

/** Glued attacks start with "ignore", "reveal", "you", …; two-letter starts ("in", "on") are everywhere. */
const PREFIX_MIN = 3;

/** Whether a proper prefix of at least PREFIX_MIN letters of u[start, end) is a vocabulary word. */
function startsWithWord(vocab: Vocabulary, u: Uint16Array, start: number, end: number): boolean {
  let node = 0;
  for (let k = start; k < end - 1; k++) {
    const c = u[k]!;
    node = vocab.step(node, c >= 0x41 && c <= 0x5a ? c + 32 : c);
    if (node < 0) return false;
    if (k + 1 - start >= PREFIX_MIN && vocab.wordAt(node) >= 0) return true;
  }
  return false;
}

function isNumber(u: Uint16Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = u[k]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Resolve `tokens` into `out`; returns the FLAG_* bits for the tricks it undid. */
export function resolveTokens(
  vocab: Vocabulary,
  segmenter: Segmenter,
  tokens: Tokens,
  out: ResolvedTokens,
): number {
  out.borrow(tokens);
  let flags = 0;
  const n = tokens.count;
  const kind = tokens.kind;
  const ids = tokens.id;
  const starts = tokens.start;
  const ends = tokens.end;
  // In place: entry w of the token arrays receives the resolution of token t (w <= t).
  let w = 0;
  let spilled = false;
  for (let t = 0; t < n; t++) {
    if (kind[t] === TK_MARK) {
      if (spilled) out.push(ids[t]!, starts[t]!, ends[t]!);
      else {
        if (w !== t) {
          ids[w] = ids[t]!;
          starts[w] = starts[t]!;
          ends[w] = ends[t]!;
        }
        w++;
      }
      continue;
    }
    const folds = tokens.folds[t]!;
    const id = ids[t]!;
    const node = tokens.node[t]!;
    let outId = id;
    let outEnd = ends[t]!;
    const outStart = starts[t]!;
    flags |= folds & FLAG_MIXED_SCRIPT;

    // Split words: the longest of t..t+2 that is one vocabulary word ("ig nore", "in structions"),
    // when the next part is unknown on its own and the word so far is still a path in the trie.
    let joinedTo = -1;
    if (node > 0 && t + 1 < n && kind[t + 1] !== TK_MARK && ids[t + 1]! < 0) {
      let cur = node;
      let length = tokens.foldedLength(t);
      for (let k = t + 1; k <= t + 2 && k < n; k++) {
        if (kind[k] === TK_MARK || starts[k]! - ends[k - 1]! > SPLIT_GAP_MAX) break;
        cur = tokens.walkFrom(vocab, k, cur);
        if (cur < 0) break;
        length += tokens.foldedLength(k);
        const whole = vocab.wordAt(cur);
        if (whole >= 0 && length >= SPLIT_MIN) {
          joinedTo = k;
          outId = whole;
        }
      }
    }
    if (joinedTo > 0) {
      outEnd = ends[joinedTo]!;
      flags |= FLAG_SPLIT;
      t = joinedTo;
    } else if (id >= 0) {
      flags |= folds & FLAG_LEETSPEAK;
      if ((tokens.flags[t]! & W_MERGED) !== 0) flags |= FLAG_SPACED;
    } else {
      const wflags = tokens.flags[t]!;
      const merged = (wflags & W_MERGED) !== 0;
      const length = outEnd - outStart;
      const glued =
        !merged &&
        (wflags & W_ASCII) !== 0 &&
        length >= GLUED_MIN &&
        length <= GLUED_MAX &&
        startsWithWord(vocab, tokens.units, outStart, outEnd);
      if (merged || glued) {
        const fs = tokens.folded(t);
        const fe = tokens.foldEnd[t]!;
        if (segmenter.run(vocab, tokens.cp, fs, fe, merged) && segmenter.count >= 2) {
          if (!spilled) {
            out.spill(w, n + segmenter.count + (fe - fs));
            spilled = true;
          }
          let known = false;
          for (let k = 0; k < segmenter.count; k++) {
            const from = fs + segmenter.segFrom[k]!;
            const to = fs + segmenter.segTo[k]! - 1;
            const segId = segmenter.segId[k]!;
            if (segId >= 0) known = true;
            out.push(segId, tokens.pos[from]!, tokens.pos[to]! + 1);
          }
          if (known) flags |= merged ? FLAG_SPACED : FLAG_GLUED;
          flags |= folds & FLAG_LEETSPEAK;
          continue;
        }
      }
      if (isNumber(tokens.units, outStart, outEnd)) outId = NUMBER_ID;
    }
    if (spilled) out.push(outId, outStart, outEnd);
    else {
      ids[w] = outId;
      starts[w] = outStart;
      ends[w] = outEnd;
      w++;
    }
  }
  if (!spilled) out.count = w;
  return flags;
}
