/**
 * The shape of the conversation an egress request carries, checked before any provider is
 * called, pure. Sluice refuses a malformed conversation itself (400 SLUICE_BAD_REQUEST naming the
 * field) rather than forwarding it: a provider would refuse it too, but in its own format and
 * without a registry code, after a budget reservation and a provider call — and a lenient
 * provider (or one behind a proxy that answers 5xx to what it cannot read) would turn the
 * client's mistake into a failure counted against a breaker that every tenant on that model
 * shares (docs/adr/0012-failure-attribution.md).
 *
 * What is checked is what each wire format documents as the request's structure:
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
 *
 * Each format's checks live in its folder (formats/<name>/conversation.ts), the shared part
 * checks in formats/shape.ts.
 */
import { wireFormat } from './formats/registry.ts';
import type { WireFormat } from './settings.ts';

/**
 * Throws 400 SLUICE_BAD_REQUEST naming the first field of `body` (an egress request in the
 * client's wire format, the template's message already appended) whose shape is wrong.
 */
export function checkConversation(format: WireFormat, body: Record<string, unknown>): void {
  wireFormat(format).checkConversation(body);
}
