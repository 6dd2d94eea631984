/** The OpenAI chat-completions parameters the egress caps or translates, and their JSON types. */
import { checkParameterTable, type Kind } from '../parameter-kinds.ts';

const OPENAI: Record<string, Kind> = {
  temperature: 'number',
  top_p: 'probability',
  n: 'count',
  stop: 'stop',
  user: 'string',
};

/** Throws 400 SLUICE_BAD_REQUEST naming the first parameter of `body` with the wrong type. */
export function checkOpenAIParameters(body: Record<string, unknown>): void {
  checkParameterTable(OPENAI, body);
}
