/**
 * What the conversation checks of every wire format share (formats/<name>/conversation.ts), pure:
 * a content part (block) is an object with a string `type`; a type the format knows must carry
 * its payload with the documented JSON type; a type Sluice does not know is passed on for the
 * provider to judge (a new part type must not need a Sluice release). Why Sluice checks at all:
 * message-shape.ts.
 */
import { SluiceError } from '../../../policy/errors.ts';

export type Json = unknown;

export const isObject = (v: Json): v is Record<string, Json> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

export function bad(path: string, what: string): SluiceError {
  return new SluiceError('SLUICE_BAD_REQUEST', `"${path}" must be ${what}`);
}

/** Field checks per known part type: field name → the JSON type it must have. */
export type FieldKind = 'string' | 'object' | 'url-object';
export type KnownParts = Record<string, Record<string, FieldKind>>;

function checkField(part: Record<string, Json>, name: string, kind: FieldKind, path: string): void {
  const value = part[name];
  if (kind === 'string') {
    if (typeof value !== 'string') throw bad(`${path}.${name}`, 'a string');
  } else if (!isObject(value)) {
    throw bad(`${path}.${name}`, 'an object');
  } else if (kind === 'url-object' && typeof value['url'] !== 'string') {
    throw bad(`${path}.${name}.url`, 'a string');
  }
}

export function checkParts(parts: Json[], known: KnownParts, path: string, depth: number): void {
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const at = `${path}[${i}]`;
    if (!isObject(part) || typeof part['type'] !== 'string' || part['type'] === '')
      throw bad(at, 'an object with a string "type"');
    const fields = Object.hasOwn(known, part['type']) ? known[part['type']] : undefined;
    if (fields) for (const [name, kind] of Object.entries(fields)) checkField(part, name, kind, at);
    // An Anthropic tool_result holds content of its own: a string or blocks, one level down.
    if (part['type'] === 'tool_result' && depth === 0 && part['content'] !== undefined) {
      checkContent(part['content'], known, `${at}.content`, 1);
    }
  }
}

/** `body.messages` is an array of objects, each checked by the format's `checkMessage`. */
export function checkMessages(
  body: Record<string, Json>,
  checkMessage: (message: Record<string, Json>, path: string) => void,
): void {
  const messages = body['messages'];
  if (!Array.isArray(messages)) throw bad('messages', 'an array of messages');
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (!isObject(message)) throw bad(`messages[${i}]`, 'an object with a "role" and a "content"');
    checkMessage(message, `messages[${i}]`);
  }
}

export function checkContent(content: Json, known: KnownParts, path: string, depth = 0): void {
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) throw bad(path, 'a string or an array of content parts');
  checkParts(content, known, path, depth);
}
