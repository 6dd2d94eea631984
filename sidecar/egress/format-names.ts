// Generated from sidecar/egress/formats/registry.ts by make generate; do not edit.
export const FORMAT_NAMES: readonly { readonly name: string; readonly aliases: readonly string[] }[] = [
  { name: 'openai', aliases: ['openai-compatible'] },
  { name: 'anthropic', aliases: [] },
];
