/**
 * The shape of the conversation an egress request carries, checked before any provider is
 * called, pure. Sluice refuses a malformed conversation itself (400 SLUICE_BAD_REQUEST naming the
 * field) rather than forwarding it: a provider would refuse it too, but in its own format and
 * without a registry code, after a budget reservation and a provider call — and a lenient
 * provider (or one behind a proxy that answers 5xx to what it cannot read) would turn the
 * client's mistake into a failure counted against a breaker that every tenant on that model
 * shares (docs/adr/0012-failure-attribution.md).
 *
 * What is checked is what both wire formats document as the request's structure:
 *
 *   OpenAI chat      messages: array of { role, content }; role system | developer | user |
 *                    assistant | tool | function; content a string or an array of parts (null or
 *                    absent only for assistant and function turns); tool turns name their
 *                    tool_call_id.
 *   Anthropic        messages: array of { role: user | assistant, content: string | blocks };
 *                    system: a string or text blocks.
 *
 * A part (block) is an object with a string `type`; a type Sluice knows must carry its payload
 * with the documented JSON type (`text` a string, `image_url` an object with a string `url` …).
 * A type Sluice does not know is passed on for the provider to judge: a new part type must not
 * need a Sluice release. Worked example: `{"role":"user","content":{}}` — an object where a
 * string or an array belongs — is 400 `"messages[0].content" must be a string or an array of
 * content parts`; `[{"type":"text","text":5}]` is 400 naming `messages[0].content[0].text`.
 */
import { SluiceError } from '../../policy/errors.ts';
import type { WireFormat } from './settings.ts';

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function bad(path: string, what: string): SluiceError {
  return new SluiceError('SLUICE_BAD_REQUEST', `"${path}" must be ${what}`);
}

/** Field checks per known part type: field name → the JSON type it must have. */
type FieldKind = 'string' | 'object' | 'url-object';
const OPENAI_PARTS: Record<string, Record<string, FieldKind>> = {
  text: { text: 'string' },
  image_url: { image_url: 'url-object' },
  input_audio: { input_audio: 'object' },
  file: { file: 'object' },
  refusal: { refusal: 'string' },
};
const ANTHROPIC_BLOCKS: Record<string, Record<string, FieldKind>> = {
  text: { text: 'string' },
  image: { source: 'object' },
  document: { source: 'object' },
  tool_use: { id: 'string', name: 'string', input: 'object' },
  tool_result: { tool_use_id: 'string' },
  thinking: { thinking: 'string' },
  redacted_thinking: { data: 'string' },
};

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

function checkParts(
  parts: Json[],
  known: Record<string, Record<string, FieldKind>>,
  path: string,
  depth: number,
): void {
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

function checkContent(
  content: Json,
  known: Record<string, Record<string, FieldKind>>,
  path: string,
  depth = 0,
): void {
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) throw bad(path, 'a string or an array of content parts');
  checkParts(content, known, path, depth);
}

const OPENAI_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
/** Roles whose content may be null or absent (an assistant turn that only calls tools). */
const OPENAI_OPTIONAL_CONTENT = new Set(['assistant', 'function']);

function checkOpenAIMessage(message: Record<string, Json>, path: string): void {
  const role = message['role'];
  if (typeof role !== 'string' || !OPENAI_ROLES.has(role))
    throw bad(`${path}.role`, 'one of system, developer, user, assistant, tool, function');
  const content = message['content'];
  if (content == null) {
    if (!OPENAI_OPTIONAL_CONTENT.has(role)) throw bad(`${path}.content`, 'present for a ' + role + ' turn');
  } else {
    checkContent(content, OPENAI_PARTS, `${path}.content`);
  }
  if (message['name'] !== undefined && typeof message['name'] !== 'string')
    throw bad(`${path}.name`, 'a string');
  if (role === 'tool' && typeof message['tool_call_id'] !== 'string')
    throw bad(`${path}.tool_call_id`, 'a string (the id of the tool call this answers)');
  if (
    message['tool_calls'] !== undefined &&
    message['tool_calls'] !== null &&
    !Array.isArray(message['tool_calls'])
  )
    throw bad(`${path}.tool_calls`, 'an array');
}

function checkAnthropicMessage(message: Record<string, Json>, path: string): void {
  const role = message['role'];
  if (role !== 'user' && role !== 'assistant')
    throw bad(`${path}.role`, 'user or assistant (the system prompt goes in "system")');
  checkContent(message['content'], ANTHROPIC_BLOCKS, `${path}.content`);
}

/**
 * Throws 400 SLUICE_BAD_REQUEST naming the first field of `body` (an egress request in the
 * client's wire format, the template's message already appended) whose shape is wrong.
 */
export function checkConversation(format: WireFormat, body: Record<string, Json>): void {
  const messages = body['messages'];
  if (!Array.isArray(messages)) throw bad('messages', 'an array of messages');
  const checkMessage = format === 'openai' ? checkOpenAIMessage : checkAnthropicMessage;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (!isObject(message)) throw bad(`messages[${i}]`, 'an object with a "role" and a "content"');
    checkMessage(message, `messages[${i}]`);
  }
  if (format === 'anthropic' && body['system'] !== undefined) {
    const system = body['system'];
    if (typeof system !== 'string') {
      if (!Array.isArray(system)) throw bad('system', 'a string or an array of text blocks');
      checkParts(system, { text: { text: 'string' } }, 'system', 1);
      const other = system.findIndex((b) => (b as { type?: unknown }).type !== 'text');
      if (other >= 0) throw bad(`system[${other}].type`, '"text"');
    }
  }
}
