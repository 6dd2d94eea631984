/**
 * GET /v1/models: the models the tenant may name (primary, fallbacks, downgrade). OpenAI list
 * format by default; Anthropic's list format when the client sends `anthropic-version` (the
 * Anthropic SDK does), so both official clients can list them.
 */
import type { FastifyInstance } from 'fastify';
import type { LlmContext } from '../context.ts';
import { allowedModels } from '../routing.ts';
import { tenantOf } from '../tenant.ts';

export function modelsRoute(app: FastifyInstance, ctx: LlmContext): void {
  app.get('/v1/models', async (request) => {
    const models = allowedModels(tenantOf(ctx, request));
    if (request.headers['anthropic-version']) {
      const data = models.map((m) => ({
        type: 'model',
        id: m.model,
        display_name: m.model,
        created_at: '1970-01-01T00:00:00Z',
      }));
      return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
    }
    return {
      object: 'list',
      data: models.map((m) => ({ id: m.model, object: 'model', created: 0, owned_by: m.provider })),
    };
  });
}
