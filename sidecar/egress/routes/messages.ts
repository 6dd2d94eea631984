/** POST /v1/messages — Anthropic Messages, JSON or streaming events. */
import type { FastifyInstance } from 'fastify';
import { handleLlm, type LlmContext } from './llm.ts';

export function messagesRoute(app: FastifyInstance, ctx: LlmContext): void {
  app.post('/v1/messages', (request, reply) => handleLlm(ctx, 'anthropic', request, reply));
}
