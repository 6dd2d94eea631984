/**
 * Every wire format the egress speaks, one line each. Adding a format is a folder
 * (`formats/<name>/`, see docs/architecture.md "Adding a wire format") and a line here; nothing
 * else lists the formats: the egress app serves each `path`, the provider settings
 * (egress/settings.ts) accept each `name` and `aliases` and list them in `--help` and
 * docs/sidecar.md, and formats/conformance.test.ts runs its table on each.
 */
import { anthropicMessages } from './anthropic-messages/format.ts';
import { openaiChat } from './openai-chat/format.ts';
import type { WireFormatAdapter } from './wire-format.ts';

export const WIRE_FORMATS: readonly WireFormatAdapter[] = [openaiChat, anthropicMessages];

/** The format a provider setting names (its `name` or one of its `aliases`), else undefined. */
export function formatNamed(text: string): WireFormatAdapter | undefined {
  return WIRE_FORMATS.find((f) => f.name === text || f.aliases.includes(text));
}

/** The names a provider setting may give, for --help and errors: "openai (or openai-compatible), anthropic". */
export function formatChoices(): string {
  return WIRE_FORMATS.map((f) => (f.aliases.length ? `${f.name} (or ${f.aliases.join(', ')})` : f.name)).join(
    ', ',
  );
}

/** The adapter of a format name (from the provider settings). */
export function wireFormat(name: string): WireFormatAdapter {
  const found = WIRE_FORMATS.find((f) => f.name === name);
  if (!found) throw new Error(`no wire format ${JSON.stringify(name)} in formats/registry.ts`);
  return found;
}

/** The format every other translates through (formats/wire-format.ts): the one without codecs. */
export const PIVOT: WireFormatAdapter = WIRE_FORMATS.find((f) => f.asClient === null)!;

/** The format a request's headers claim, else the pivot (for routes every format shares). */
export function claimedFormat(headers: Record<string, string | string[] | undefined>): WireFormatAdapter {
  return WIRE_FORMATS.find((f) => f.claims(headers)) ?? PIVOT;
}
