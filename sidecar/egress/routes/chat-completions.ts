/** POST /v1/chat/completions — OpenAI-compatible, JSON or SSE (`stream: true`). */
import type { FastifyInstance } from 'fastify';
import { handleLlm, type LlmContext } from './llm.ts';

export function chatCompletionsRoute(app: FastifyInstance, ctx: LlmContext): void {
  app.post('/v1/chat/completions', (request, reply) => handleLlm(ctx, 'openai', request, reply));
}
