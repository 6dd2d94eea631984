/**
 * Every wire format the egress speaks, one line each. Adding a format is a folder
 * (`formats/<name>/`, see docs/architecture.md "Adding a wire format") and a line here; the
 * egress app serves each `path` and providers may name each `name`.
 */
import type { WireFormat } from '../settings.ts';
import { anthropicMessages } from './anthropic-messages/format.ts';
import { openaiChat } from './openai-chat/format.ts';
import type { WireFormatAdapter } from './wire-format.ts';

export const WIRE_FORMATS: readonly WireFormatAdapter[] = [openaiChat, anthropicMessages];

/** The adapter of a format name (from the provider settings). */
export function wireFormat(name: WireFormat): WireFormatAdapter {
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
