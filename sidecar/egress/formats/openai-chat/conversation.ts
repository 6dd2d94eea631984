/**
 * The conversation of an OpenAI chat-completions request (why it is checked: message-shape.ts):
 * messages an array of { role, content }; role system | developer | user | assistant | tool |
 * function; content a string or an array of parts (null or absent only for assistant and
 * function turns); tool turns name their tool_call_id.
 */
import { bad, checkContent, checkMessages, type Json, type KnownParts } from '../shape.ts';

const OPENAI_PARTS: KnownParts = {
  text: { text: 'string' },
  image_url: { image_url: 'url-object' },
  input_audio: { input_audio: 'object' },
  file: { file: 'object' },
  refusal: { refusal: 'string' },
};
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

/** Throws 400 SLUICE_BAD_REQUEST naming the first field of the conversation whose shape is wrong. */
export function checkOpenAIConversation(body: Record<string, Json>): void {
  checkMessages(body, checkOpenAIMessage);
}
