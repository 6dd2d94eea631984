/**
 * Field-name folding: which body keys and query parameters count as a capped or screened field.
 * A name matches when both fold to the same text: Unicode NFKC (fullwidth "ｔｏｐ＿ｋ" is
 * "top_k"), lower case, and every character that is not a letter or digit dropped — so `top_k`,
 * `topK`, `TOP-K`, `top.k` and `Top K` are one field. That is wider than any one framework reads
 * (pydantic aliases, camelCase generators, Express's qs), which is the point: whatever spelling
 * an app accepts for the field, the caps saw it. Pure.
 */

/** The folded form of a name. */
export function foldName(name: string): string {
  let ascii = true;
  for (let i = 0; i < name.length; i++) {
    if (name.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  const text = ascii ? name : name.normalize('NFKC');
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) out += String.fromCharCode(c + 0x20);
    else if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) out += text[i];
    else if (c > 0x7f) {
      const lower = text[i]!.toLowerCase();
      if (/\p{L}|\p{N}/u.test(lower)) out += lower;
    }
  }
  return out;
}

/**
 * Whether `name` folds to `folded` (an already folded name). ASCII names are compared without
 * allocating; others go through foldName.
 */
export function foldsTo(name: string, folded: string): boolean {
  let j = 0;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c > 0x7f) return foldName(name) === folded;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) continue;
    if (c !== folded.charCodeAt(j)) return false;
    j++;
  }
  return j === folded.length;
}

/** Index of the first folded name in `list` that `name` folds to, or -1. */
export function matchName(name: string, list: readonly string[]): number {
  for (let i = 0; i < list.length; i++) if (foldsTo(name, list[i]!)) return i;
  return -1;
}
