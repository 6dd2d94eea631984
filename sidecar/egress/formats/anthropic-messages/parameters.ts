/** The Anthropic messages parameters the egress caps or translates, and their JSON types. */
import { SluiceError } from '../../../../policy/errors.ts';
import { checkParameterTable, type Kind } from '../parameter-kinds.ts';

const ANTHROPIC: Record<string, Kind> = {
  temperature: 'number',
  top_p: 'probability',
  top_k: 'natural',
  stop_sequences: 'strings',
  metadata: 'object',
};

/** Throws 400 SLUICE_BAD_REQUEST naming the first parameter of `body` with the wrong type. */
export function checkAnthropicParameters(body: Record<string, unknown>): void {
  checkParameterTable(ANTHROPIC, body);
  const user = (body['metadata'] as { user_id?: unknown } | undefined)?.user_id;
  if (user !== undefined && user !== null && typeof user !== 'string')
    throw new SluiceError('SLUICE_BAD_REQUEST', '"metadata.user_id" must be a string');
}
