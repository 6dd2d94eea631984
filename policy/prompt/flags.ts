/**
 * Normalisation flags: which disguises were seen in a text. They are informational (a flag alone
 * never rejects); the screen result lists them in this fixed order so output is stable.
 */

export const FLAG_INVISIBLE = 1 << 0;
export const FLAG_TAG = 1 << 1;
export const FLAG_VARIATION = 1 << 2;
export const FLAG_COMPATIBILITY = 1 << 3;
export const FLAG_MIXED_SCRIPT = 1 << 4;
export const FLAG_LEETSPEAK = 1 << 5;
export const FLAG_SPACED = 1 << 6;
export const FLAG_SPLIT = 1 << 7;
export const FLAG_GLUED = 1 << 8;
export const FLAG_BASE64 = 1 << 9;
export const FLAG_HEX = 1 << 10;

const NAMES: ReadonlyArray<readonly [number, string]> = [
  [FLAG_INVISIBLE, 'invisible_characters'],
  [FLAG_TAG, 'tag_characters'],
  [FLAG_VARIATION, 'variation_selectors'],
  [FLAG_COMPATIBILITY, 'compatibility_characters'],
  [FLAG_MIXED_SCRIPT, 'mixed_script'],
  [FLAG_LEETSPEAK, 'leetspeak'],
  [FLAG_SPACED, 'spaced_letters'],
  [FLAG_SPLIT, 'split_words'],
  [FLAG_GLUED, 'glued_words'],
  [FLAG_BASE64, 'base64'],
  [FLAG_HEX, 'hex'],
];

/** Every flag name, in output order. */
export const FLAG_NAMES: readonly string[] = NAMES.map(([, name]) => name);

export function flagNames(bits: number): string[] {
  const out: string[] = [];
  if (bits === 0) return out;
  for (const [bit, name] of NAMES) if ((bits & bit) !== 0) out.push(name);
  return out;
}
