/**
 * The number a string may stand for, as the most lenient common readers see it, so that a
 * capped field sent as a string is capped too (pydantic turns "100" into 100). Pure.
 *
 * Accepted, after NFKC (fullwidth "１００" is "100", which Python's int() also accepts) and
 * trimming Unicode white space (" 100 "):
 *   decimal     [+-] digits [. digits] [e [+-] digits]   also "5." and ".5"; "_" between digits
 *               (Python's int("1_000") is 1000)
 *   prefixed    [+-] 0x… 0o… 0b…                          (JS Number("0x64"), Python int(s, 0))
 *   words       inf, infinity, nan, any case              (Python float) → ±Infinity / NaN
 * Anything else — "100abc" (which JS parseInt reads as 100), "", "1 0", "1e" — is not a number:
 * the caller refuses it instead of guessing what the app would read.
 */

const WORDS = new Map<string, number>([
  ['inf', Number.POSITIVE_INFINITY],
  ['infinity', Number.POSITIVE_INFINITY],
  ['nan', Number.NaN],
]);

const DECIMAL = /^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/;
const PREFIXED =
  /^([+-]?)0(?:[xX]_?[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|[oO]_?[0-7]+(?:_[0-7]+)*|[bB]_?[01]+(?:_[01]+)*)$/;

/** The numeric value of `text`, or null when it is not a number in any common reading. */
export function numericValue(text: string): number | null {
  let s = text;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      s = s.normalize('NFKC');
      break;
    }
  }
  s = s.trim();
  if (s.length === 0 || s.length > 400) return null;
  if (DECIMAL.test(s)) return Number(s.replaceAll('_', ''));
  const prefixed = PREFIXED.exec(s);
  if (prefixed) {
    const digits = s.slice(prefixed[1]!.length).replaceAll('_', '');
    const value = Number(digits);
    return prefixed[1] === '-' ? -value : value;
  }
  const sign = s[0] === '-' ? -1 : 1;
  const word = WORDS.get((s[0] === '-' || s[0] === '+' ? s.slice(1) : s).toLowerCase());
  return word === undefined ? null : sign * word;
}
