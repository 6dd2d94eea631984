/** Durations as kubectl users write them: "90s", "30m", "2h", "1h30m", "7d". Pure. */

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };

/** Milliseconds, or null when the text is not a duration (units in descending order, once each). */
export function parseDurationMs(text: string): number | null {
  const match = /^(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$/.exec(text.trim());
  if (!match || text.trim() === '') return null;
  const [, d, h, m, s] = match;
  return (
    Number(d ?? 0) * UNIT_MS['d']! +
    Number(h ?? 0) * UNIT_MS['h']! +
    Number(m ?? 0) * UNIT_MS['m']! +
    Number(s ?? 0) * UNIT_MS['s']!
  );
}

/** 5_400_000 → "1h30m"; 0 → "0s"; below a second → "0.42s". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${(Math.max(0, ms) / 1000).toFixed(2).replace(/\.?0+$/, '') || '0'}s`;
  let rest = Math.round(ms / 1_000) * 1_000;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's']) {
    const n = Math.floor(rest / UNIT_MS[unit]!);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * UNIT_MS[unit]!;
  }
  return out;
}
