/**
 * The conversation of an Anthropic messages request (why it is checked: message-shape.ts):
 * messages an array of { role: user | assistant, content: string | blocks }; system a string or
 * text blocks.
 */
import { bad, checkContent, checkMessages, checkParts, type Json, type KnownParts } from '../shape.ts';

const ANTHROPIC_BLOCKS: KnownParts = {
  text: { text: 'string' },
  image: { source: 'object' },
  document: { source: 'object' },
  tool_use: { id: 'string', name: 'string', input: 'object' },
  tool_result: { tool_use_id: 'string' },
  thinking: { thinking: 'string' },
  redacted_thinking: { data: 'string' },
};

function checkAnthropicMessage(message: Record<string, Json>, path: string): void {
  const role = message['role'];
  if (role !== 'user' && role !== 'assistant')
    throw bad(`${path}.role`, 'user or assistant (the system prompt goes in "system")');
  checkContent(message['content'], ANTHROPIC_BLOCKS, `${path}.content`);
}

/** Throws 400 SLUICE_BAD_REQUEST naming the first field of the conversation whose shape is wrong. */
export function checkAnthropicConversation(body: Record<string, Json>): void {
  checkMessages(body, checkAnthropicMessage);
  if (body['system'] !== undefined) {
    const system = body['system'];
    if (typeof system !== 'string') {
      if (!Array.isArray(system)) throw bad('system', 'a string or an array of text blocks');
      checkParts(system, { text: { text: 'string' } }, 'system', 1);
      const other = system.findIndex((b) => (b as { type?: unknown }).type !== 'text');
      if (other >= 0) throw bad(`system[${other}].type`, '"text"');
    }
  }
}
