/**
 * GET /v1/models: the models the tenant may name (primary, fallbacks, downgrade), in the list
 * format of the wire format the request claims (formats/registry.ts claimedFormat: Anthropic's
 * when the client sends `anthropic-version`, as the Anthropic SDK does; else OpenAI's), so both
 * official clients can list them.
 */
import type { FastifyInstance } from 'fastify';
import type { LlmContext } from '../context.ts';
import { claimedFormat } from '../formats/registry.ts';
import { allowedModels } from '../routing.ts';
import { tenantOf } from '../tenant.ts';

export function modelsRoute(app: FastifyInstance, ctx: LlmContext): void {
  app.get('/v1/models', async (request) =>
    claimedFormat(request.headers).modelList(allowedModels(tenantOf(ctx, request))),
  );
}
