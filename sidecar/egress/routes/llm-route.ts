/** POST <format.path> — an LLM call in one wire format, JSON or streamed (formats/registry.ts). */
import type { FastifyInstance } from 'fastify';
import type { WireFormatAdapter } from '../formats/wire-format.ts';
import { handleLlm, type LlmContext } from './llm.ts';

export function llmRoute(app: FastifyInstance, ctx: LlmContext, format: WireFormatAdapter): void {
  app.post(format.path, (request, reply) => handleLlm(ctx, format, request, reply));
}
