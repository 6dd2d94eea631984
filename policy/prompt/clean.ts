/**
 * Step 1 of normalisation: strip what a reader cannot see and apply NFKC, keeping a map from
 * every unit of the cleaned text back to the original, so a match can be reported as a span of
 * what the user actually sent.
 *
 * - Invisible and format characters (Cf, zero-width, bidi controls, soft hyphen, C0/C1 controls
 *   other than \t \n \r) are removed, so "ig\u200Bnore" reads "ignore".
 * - Unicode tag characters (U+E0000–E007F) are removed; the ASCII they spell ("ASCII smuggling":
 *   invisible to people, read by models) is returned as a hidden payload to be screened on its
 *   own. Emoji flag sequences (🏴 + tag letters + cancel tag) are legitimate and are not payloads.
 * - Variation selectors are removed; a run of four or more spells bytes ("emoji smuggling",
 *   U+FE00–FE0F = 0–15, U+E0100–E01EF = 16–255) and is returned as a hidden payload too.
 * - NFKC folds compatibility forms: fullwidth, mathematical alphanumerics, circled letters,
 *   ligatures, superscripts.
 *
 * Pure ASCII input without controls is returned as is (no copy, identity map): that is the
 * common case and costs one pass of charCodeAt.
 */

import { ASCII_CLASS, C_INVISIBLE, C_MARK, C_STABLE, C_VARIATION, classOf } from './char-class.ts';
import { FLAG_COMPATIBILITY, FLAG_INVISIBLE, FLAG_TAG, FLAG_VARIATION } from './flags.ts';

export interface HiddenPayload {
  readonly kind: 'tag' | 'variation';
  /** What the hidden characters spell. */
  readonly text: string;
  /** Span of the hidden characters in the original input. */
  readonly start: number;
  readonly end: number;
}

export interface CleanedText {
  readonly text: string;
  /** Original start offset of each unit of `text`; null when `text` is the input unchanged. */
  readonly starts: Int32Array | null;
  /** Original end offset of each unit of `text`; null when `text` is the input unchanged. */
  readonly ends: Int32Array | null;
  readonly flags: number;
  readonly hidden: readonly HiddenPayload[];
  /** The longest run of consecutive stripped invisible characters (not tags or selectors). */
  readonly invisibleRun: { readonly start: number; readonly end: number; readonly length: number };
}

/** Fewer consecutive variation selectors than this are ordinary emoji presentation selectors. */
const VARIATION_PAYLOAD_MIN = 4;
/** Emoji subdivision flags carry at most six tag letters ("gbsct" is five). */
const EMOJI_TAG_MAX = 6;
const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;

const RE_ASCII_ALNUM = /[A-Za-z0-9]/;
const NO_RUN = { start: 0, end: 0, length: 0 };
const utf16 = new TextDecoder('utf-16le');
const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Anything that is not printable ASCII, tab or a line break. A single character class: V8 scans
 * one-byte strings for it several times faster than a charCodeAt loop, and it cannot backtrack.
 */
const NEEDS_CLEANING = /[^\t\n\v\f\r -~]/;

export function cleanText(input: string): CleanedText {
  const m = NEEDS_CLEANING.exec(input);
  if (m === null)
    return { text: input, starts: null, ends: null, flags: 0, hidden: [], invisibleRun: NO_RUN };
  return cleanSlow(input, m.index);
}

/**
 * The slow path, for text with non-ASCII or control characters. State lives in fields, not in
 * closures: variables captured by closures are heap slots and would cost a load and a store on
 * every character.
 */
class Cleaner {
  private readonly input: string;
  private readonly n: number;
  units: Uint16Array;
  starts: Int32Array;
  ends: Int32Array;
  len = 0;
  flags = 0;
  readonly hidden: HiddenPayload[] = [];
  // Tag payload: all non-emoji tag characters of the input, in order.
  private tagText = '';
  private tagStart = -1;
  private tagEnd = -1;
  // Tags seen right after 🏴, held back until the cancel tag shows whether they are an emoji flag.
  private emojiTags = '';
  private emojiStart = -1;
  inEmojiFlag = false;
  // Variation-selector run.
  private vsBytes: number[] = [];
  private vsStart = -1;
  private vsEnd = -1;
  // Invisible run.
  private runStart = -1;
  runLen = 0;
  best: CleanedText['invisibleRun'] = NO_RUN;

  constructor(input: string) {
    this.input = input;
    this.n = input.length;
    // Stripping only shrinks; NFKC expansions are rare and grow() handles them.
    const cap = this.n + 16;
    this.units = new Uint16Array(cap);
    this.starts = new Int32Array(cap);
    this.ends = new Int32Array(cap);
  }

  grow(need: number): void {
    if (this.len + need <= this.units.length) return;
    const cap = Math.max(this.units.length * 2, this.len + need);
    const u = new Uint16Array(cap);
    u.set(this.units.subarray(0, this.len));
    this.units = u;
    const st = new Int32Array(cap);
    st.set(this.starts.subarray(0, this.len));
    this.starts = st;
    const e = new Int32Array(cap);
    e.set(this.ends.subarray(0, this.len));
    this.ends = e;
  }

  invisible(at: number): void {
    this.flags |= FLAG_INVISIBLE;
    if (this.runLen === 0) this.runStart = at;
    this.runLen++;
  }

  endRun(): void {
    if (this.runLen > this.best.length) {
      this.best = { start: this.runStart, end: this.runStart + this.runLen, length: this.runLen };
    }
    this.runLen = 0;
  }

  flushEmoji(): void {
    if (this.emojiTags.length > 0) {
      this.flags |= FLAG_TAG;
      if (this.tagStart < 0) this.tagStart = this.emojiStart;
      this.tagText += this.emojiTags;
      this.tagEnd = Math.max(this.tagEnd, this.emojiStart + this.emojiTags.length * 2);
    }
    this.emojiTags = '';
    this.inEmojiFlag = false;
  }

  variation(cp: number, at: number, width: number): void {
    this.flags |= FLAG_VARIATION;
    if (this.vsBytes.length === 0) this.vsStart = at;
    this.vsBytes.push(cp >= 0xe0100 ? cp - 0xe0100 + 16 : cp - 0xfe00);
    this.vsEnd = at + width;
  }

  flushVs(): void {
    if (this.vsBytes.length >= VARIATION_PAYLOAD_MIN) {
      this.hidden.push({
        kind: 'variation',
        text: utf8.decode(Uint8Array.from(this.vsBytes)),
        start: this.vsStart,
        end: this.vsEnd,
      });
    }
    this.vsBytes = [];
  }

  get inVs(): boolean {
    return this.vsBytes.length > 0;
  }

  tag(cp: number, at: number): void {
    if (this.inEmojiFlag) {
      const ascii = cp - 0xe0000;
      const isFlagLetter = (ascii >= 0x61 && ascii <= 0x7a) || (ascii >= 0x30 && ascii <= 0x39);
      if (cp === CANCEL_TAG) {
        if (this.emojiTags.length <= EMOJI_TAG_MAX) {
          this.emojiTags = '';
          this.inEmojiFlag = false;
        } else this.flushEmoji();
      } else if (isFlagLetter) {
        if (this.emojiTags.length === 0) this.emojiStart = at;
        this.emojiTags += String.fromCharCode(ascii);
      } else {
        this.flushEmoji();
        this.addTag(cp, at);
      }
    } else this.addTag(cp, at);
  }

  private addTag(cp: number, at: number): void {
    this.flags |= FLAG_TAG;
    // U+E0020–E007E spell ASCII; the language tag U+E0001 and a stray cancel tag spell nothing.
    if (cp < 0xe0020 || cp > 0xe007e) return;
    if (this.tagStart < 0) this.tagStart = at;
    this.tagText += String.fromCharCode(cp - 0xe0000);
    this.tagEnd = at + 2;
  }

  /** NFKC one base character and the combining marks after it; returns the next index. */
  segment(from: number, width: number): number {
    const src = this.input;
    let j = from + width;
    while (j < this.n) {
      const m = src.codePointAt(j)!;
      const cls = classOf(m);
      if ((cls & C_MARK) === 0 || (cls & (C_INVISIBLE | C_VARIATION)) !== 0) break;
      j += m > 0xffff ? 2 : 1;
    }
    const seg = src.slice(from, j);
    const norm = seg.normalize('NFKC');
    // Flag compatibility forms that turn into Latin letters or digits ("ｉｇｎｏｒｅ", "𝐢𝐠𝐧"); canonical
    // composition ("e" + U+0301 → "é") and CJK fullwidth punctuation are not disguises.
    if (norm !== seg && RE_ASCII_ALNUM.test(norm) && norm !== seg.normalize('NFC'))
      this.flags |= FLAG_COMPATIBILITY;
    this.grow(norm.length);
    for (let k = 0; k < norm.length; k++) {
      this.units[this.len] = norm.charCodeAt(k);
      this.starts[this.len] = from;
      this.ends[this.len] = j;
      this.len++;
    }
    return j;
  }

  finish(): CleanedText {
    if (this.runLen > 0) this.endRun();
    if (this.inVs) this.flushVs();
    if (this.inEmojiFlag) this.flushEmoji();
    if (this.tagText.length > 0) {
      this.hidden.push({ kind: 'tag', text: this.tagText, start: this.tagStart, end: this.tagEnd });
    }
    return {
      text: utf16.decode(this.units.subarray(0, this.len)),
      starts: this.starts.subarray(0, this.len),
      ends: this.ends.subarray(0, this.len),
      flags: this.flags,
      hidden: this.hidden,
      invisibleRun: this.best,
    };
  }
}

function cleanSlow(input: string, prefix: number): CleanedText {
  const n = input.length;
  const c = new Cleaner(input);
  {
    const { units, starts, ends } = c;
    for (let k = 0; k < prefix; k++) {
      units[k] = input.charCodeAt(k);
      starts[k] = k;
      ends[k] = k + 1;
    }
    c.len = prefix;
  }
  let i = prefix;
  while (i < n) {
    // Bulk copy: characters NFKC leaves alone, that are not invisible and carry no combining mark.
    {
      c.grow(n - i);
      const { units, starts, ends } = c;
      let len = c.len;
      let j = i;
      while (j < n) {
        const d = input.charCodeAt(j);
        if (d >= 0xd800 && d <= 0xdfff) break;
        const cls = d < 0x80 ? ASCII_CLASS[d]! : classOf(d);
        if ((cls & (C_INVISIBLE | C_VARIATION | C_MARK)) !== 0 || (cls & C_STABLE) === 0) break;
        units[len] = d;
        starts[len] = j;
        ends[len] = j + 1;
        len++;
        j++;
      }
      if (j > i) {
        // A combining mark after the run belongs with the run's last character: give it back.
        if (j < n && (classOf(input.charCodeAt(j)) & C_MARK) !== 0) {
          len--;
          j--;
        }
        if (j > i) {
          if (c.runLen > 0) c.endRun();
          if (c.inVs) c.flushVs();
          if (c.inEmojiFlag) c.flushEmoji();
          c.len = len;
          i = j;
          continue;
        }
      }
    }
    const ch = input.charCodeAt(i);
    if (ch < 0x80) {
      if ((ASCII_CLASS[ch]! & C_INVISIBLE) !== 0) {
        c.invisible(i);
        i++;
        continue;
      }
      if (c.runLen > 0) c.endRun();
      if (c.inVs) c.flushVs();
      if (c.inEmojiFlag) c.flushEmoji();
      // An ASCII character followed by a combining mark.
      i = c.segment(i, 1);
      continue;
    }
    const cp = input.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    if (cp >= 0xe0000 && cp <= 0xe007f) {
      c.tag(cp, i);
      i += w;
      continue;
    }
    if (c.inEmojiFlag) c.flushEmoji();
    const cls = cp >= 0xe0100 && cp <= 0xe01ef ? C_VARIATION : classOf(cp);
    if ((cls & C_VARIATION) !== 0) {
      c.variation(cp, i, w);
      i += w;
      continue;
    }
    if ((cls & C_INVISIBLE) !== 0) {
      c.invisible(i);
      i += w;
      continue;
    }
    if (c.runLen > 0) c.endRun();
    if (c.inVs) c.flushVs();
    const after = i + w < n ? input.codePointAt(i + w)! : 0;
    if ((cls & C_STABLE) !== 0 && !(after >= 0x300 && (classOf(after) & C_MARK) !== 0)) {
      c.grow(w);
      const { units, starts, ends } = c;
      let len = c.len;
      units[len] = input.charCodeAt(i);
      starts[len] = i;
      ends[len] = i + w;
      len++;
      if (w === 2) {
        units[len] = input.charCodeAt(i + 1);
        starts[len] = i;
        ends[len] = i + w;
        len++;
      }
      c.len = len;
      if (cp === BLACK_FLAG) c.inEmojiFlag = true;
      i += w;
      continue;
    }
    i = c.segment(i, w);
  }
  return c.finish();
}
