/**
 * Typo suggestions ("did you mean --redis-url?", "did you mean {{query}}?"): the settings parser
 * (cli/lib/settings/parse.ts), the kubectl plugin's flags (cli/plugin/flags.ts) and the prompt
 * template checker (policy/prompt/template.ts). Pure.
 */

/**
 * The closest candidate by edit distance (case-insensitive; the first on a tie), when it is within
 * `maxDistance` edits — by default a third of the word, at least 2: "--mulitplier" →
 * "--multiplier", not "--help".
 */
export function nearest(
  word: string,
  candidates: Iterable<string>,
  maxDistance = Math.max(2, Math.floor(word.length / 3)),
): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= maxDistance ? best : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
