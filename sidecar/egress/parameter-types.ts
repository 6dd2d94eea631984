/**
 * The JSON types of the request parameters the egress caps or translates, checked before any
 * provider is called, pure. Like the conversation (message-shape.ts), a parameter of the wrong
 * type is the client's 400 SLUICE_BAD_REQUEST naming it: forwarded, it would be refused by the
 * provider in its own format, or — through translation — silently dropped (`"temperature":"0.2"`
 * is not a number, so the translator would leave it out and the model would run at its default).
 * `null` means "absent", as the OpenAI API documents for its optional parameters.
 */
import { SluiceError } from '../../policy/errors.ts';
import type { WireFormat } from './settings.ts';

type Kind = 'number' | 'probability' | 'count' | 'natural' | 'string' | 'stop' | 'strings' | 'object';

const WHAT: Record<Kind, string> = {
  number: 'a number of at least 0',
  probability: 'a number from 0 to 1',
  count: 'a whole number of at least 1',
  natural: 'a whole number of at least 0',
  string: 'a string',
  stop: 'a string or an array of strings',
  strings: 'an array of strings',
  object: 'an object',
};

const OPENAI: Record<string, Kind> = {
  temperature: 'number',
  top_p: 'probability',
  n: 'count',
  stop: 'stop',
  user: 'string',
};

const ANTHROPIC: Record<string, Kind> = {
  temperature: 'number',
  top_p: 'probability',
  top_k: 'natural',
  stop_sequences: 'strings',
  metadata: 'object',
};

function fits(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && v >= 0;
    case 'probability':
      return typeof v === 'number' && v >= 0 && v <= 1;
    case 'count':
      return Number.isInteger(v) && (v as number) >= 1;
    case 'natural':
      return Number.isInteger(v) && (v as number) >= 0;
    case 'string':
      return typeof v === 'string';
    case 'stop':
      return typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
    case 'strings':
      return Array.isArray(v) && v.every((s) => typeof s === 'string');
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
  }
}

/** Throws 400 SLUICE_BAD_REQUEST naming the first parameter of `body` with the wrong type. */
export function checkParameterTypes(format: WireFormat, body: Record<string, unknown>): void {
  const table = format === 'openai' ? OPENAI : ANTHROPIC;
  for (const name in table) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    const kind = table[name]!;
    if (!fits(kind, value)) throw new SluiceError('SLUICE_BAD_REQUEST', `"${name}" must be ${WHAT[kind]}`);
  }
  if (format === 'anthropic') {
    const user = (body['metadata'] as { user_id?: unknown } | undefined)?.user_id;
    if (user !== undefined && user !== null && typeof user !== 'string')
      throw new SluiceError('SLUICE_BAD_REQUEST', '"metadata.user_id" must be a string');
  }
}
