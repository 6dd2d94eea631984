/**
 * Every wire format the egress speaks, one line each. Adding a format is a folder
 * (`formats/<name>/`, see docs/architecture.md "Adding a wire format") and a line here; nothing
 * else lists the formats by hand: the egress app serves each `path`; `make generate` writes each
 * `name` and `aliases` into egress/format-names.ts, from which the provider settings
 * (egress/settings.ts) accept them and list them in `--help` and docs/sidecar.md; and
 * formats/conformance.test.ts runs its table on each.
 */
import { anthropicMessages } from './anthropic-messages/format.ts';
import { openaiChat } from './openai-chat/format.ts';
import type { WireFormatAdapter } from './wire-format.ts';

export const WIRE_FORMATS: readonly WireFormatAdapter[] = [openaiChat, anthropicMessages];

/**
 * sidecar/egress/format-names.ts as it should be: the names and aliases of WIRE_FORMATS, for the
 * provider settings, which must not load the adapters (a sidecar with the egress off loads no
 * module of formats/: docs/adr/0028-lean-data-plane.md, sidecar/lean-start.int.test.ts).
 * `make generate` writes it (cli/lib/settings/docs.ts); formats/third-format.test.ts keeps it in step.
 */
export function formatNamesSource(formats: readonly WireFormatAdapter[] = WIRE_FORMATS): string {
  const q = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  const rows = formats.map((f) => `  { name: ${q(f.name)}, aliases: [${f.aliases.map(q).join(', ')}] },`);
  return `// Generated from sidecar/egress/formats/registry.ts by make generate; do not edit.
export const FORMAT_NAMES: readonly { readonly name: string; readonly aliases: readonly string[] }[] = [
${rows.join('\n')}
];
`;
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
