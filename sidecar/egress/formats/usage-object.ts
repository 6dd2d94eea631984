/**
 * The `usage` object of a JSON answer without parsing the whole answer: both formats put it
 * at the top level, so the text from the last `"usage"` to its matching brace is parsed alone
 * (a `"usage"` inside the answer text comes before it). Undefined when that does not work out
 * (the caller then parses everything).
 */
export function usageObject(text: string): Record<string, number> | undefined {
  const at = text.lastIndexOf('"usage"');
  if (at < 0) return undefined;
  const open = text.indexOf('{', at);
  if (open < 0) return undefined;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x7b) depth++;
    else if (ch === 0x7d && --depth === 0) {
      try {
        return JSON.parse(text.slice(open, i + 1)) as Record<string, number>;
      } catch {
        return undefined;
      }
    } else if (ch === 0x22) {
      // Skip a string (a key, or a nested details value), honouring backslash escapes.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    }
  }
  return undefined;
}
