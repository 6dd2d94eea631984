/**
 * Turns the TypeBox definition into plain JSON Schema for the two consumers: Ajv (offline
 * validation) and the CRD's openAPIV3Schema. Both get unions of literals as `enum` (clearer
 * errors, and what structural schemas expect); only the CRD loses `additionalProperties: false`,
 * which structural schemas forbid — the API server rejects unknown fields through kubectl's
 * strict field validation instead, so both sides still refuse a misspelt field.
 */
import type { TSchema } from '@sinclair/typebox';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonSchema = { [key: string]: Json };

export function toJsonSchema(schema: TSchema, target: 'ajv' | 'crd'): JsonSchema {
  // JSON round trip drops TypeBox's symbol-keyed metadata.
  return convert(JSON.parse(JSON.stringify(schema)) as JsonSchema, target);
}

function convert(node: JsonSchema, target: 'ajv' | 'crd'): JsonSchema {
  const out: JsonSchema = {};
  const literals = literalUnion(node);
  for (const [key, value] of Object.entries(node)) {
    if (literals && key === 'anyOf') continue;
    if (target === 'crd' && key === 'additionalProperties' && value === false) continue;
    if (key === 'properties' && value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, convert(child as JsonSchema, target)]),
      );
    } else if (key === 'items' && value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = convert(value as JsonSchema, target);
    } else {
      out[key] = value;
    }
  }
  if (literals) {
    out['type'] = 'string';
    out['enum'] = literals;
  }
  return out;
}

function literalUnion(node: JsonSchema): string[] | undefined {
  const anyOf = node['anyOf'];
  if (!Array.isArray(anyOf)) return undefined;
  const values: string[] = [];
  for (const branch of anyOf) {
    if (!branch || typeof branch !== 'object' || Array.isArray(branch)) return undefined;
    const value = branch['const'];
    if (typeof value !== 'string') return undefined;
    values.push(value);
  }
  return values;
}
