/**
 * The official SDK clients as a tenant's application uses them through the egress: the tenant
 * header the ingress would set, no provider key (the sidecar holds those), and no retries, so a
 * test sees each answer exactly once.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { SLUICE_HEADERS } from '../../policy/wire.ts';

/** An OpenAI client for `tenant` against the egress at `origin` (scheme, host and port). */
export function openaiClient(origin: string, tenant: string): OpenAI {
  return new OpenAI({
    baseURL: `${origin}/v1`,
    apiKey: 'unused',
    maxRetries: 0,
    defaultHeaders: { [SLUICE_HEADERS.tenant]: tenant },
  });
}

/** An Anthropic client for `tenant` against the egress at `origin`. */
export function anthropicClient(origin: string, tenant: string): Anthropic {
  return new Anthropic({
    baseURL: origin,
    apiKey: 'unused',
    maxRetries: 0,
    defaultHeaders: { [SLUICE_HEADERS.tenant]: tenant },
  });
}

/** The OpenAI APIError `call` ended in; a call that succeeds, or fails otherwise, fails the test. */
export async function openaiError(call: PromiseLike<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error('the call succeeded; an OpenAI APIError was expected');
}
