/**
 * The OpenAPI 3.0 description of the sidecar's HTTP surfaces, served on the admin listener at
 * GET /openapi.json (`?surface=ingress|egress|admin` for one listener; they listen on different
 * ports, so a client picks the surface and points its base URL at that port). Errors are the
 * registry (policy/errors.ts): every error body is `{ error: { code, message } }` with `code`
 * one of ERRORS; the statuses listed per route are the ones that route can answer.
 */
import { ERRORS, type ErrorCode } from '../../policy/errors.ts';
import { SLUICE_HEADERS } from '../../policy/wire.ts';

export type Surface = 'ingress' | 'egress' | 'admin';

type Json = Record<string, unknown>;

const errorRef = { $ref: '#/components/schemas/Error' };

/** Responses for the given registry codes, grouped by their HTTP status. */
function errorResponses(codes: ErrorCode[]): Json {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  const out: Json = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: list.join(', '),
      content: { 'application/json': { schema: errorRef } },
    };
  }
  return out;
}

const INGRESS_ERRORS: ErrorCode[] = [
  'SLUICE_BAD_REQUEST',
  'SLUICE_UNSUPPORTED_MEDIA_TYPE',
  'SLUICE_REQUEST_TIMEOUT',
  'SLUICE_URI_TOO_LONG',
  'SLUICE_HEADERS_TOO_LARGE',
  'SLUICE_HTTP_VERSION_UNSUPPORTED',
  'SLUICE_INTERNAL',
  'SLUICE_TENANT_UNKNOWN',
  'SLUICE_TENANT_SUSPENDED',
  'SLUICE_BODY_TOO_LARGE',
  'SLUICE_PROMPT_REJECTED',
  'SLUICE_RATE_LIMITED',
  'SLUICE_CONCURRENCY_LIMITED',
  'SLUICE_UPSTREAM_UNAVAILABLE',
  'SLUICE_QUEUE_FULL',
  'SLUICE_QUEUE_TIMEOUT',
  'SLUICE_NOT_READY',
  'SLUICE_UPSTREAM_TIMEOUT',
];

const EGRESS_ERRORS: ErrorCode[] = [
  'SLUICE_BAD_REQUEST',
  'SLUICE_UNSUPPORTED_MEDIA_TYPE',
  'SLUICE_HEADERS_TOO_LARGE',
  'SLUICE_TEMPLATE_VARIABLE_UNKNOWN',
  'SLUICE_UPSTREAM_RATE_LIMITED',
  'SLUICE_INTERNAL',
  'SLUICE_TENANT_UNKNOWN',
  'SLUICE_TENANT_SUSPENDED',
  'SLUICE_BODY_TOO_LARGE',
  'SLUICE_PROMPT_REJECTED',
  'SLUICE_TEMPLATE_UNKNOWN',
  'SLUICE_MODEL_NOT_ALLOWED',
  'SLUICE_BUDGET_EXHAUSTED',
  'SLUICE_BUDGET_PENDING',
  'SLUICE_UPSTREAM_UNAVAILABLE',
  'SLUICE_ALL_MODELS_FAILED',
  'SLUICE_NOT_READY',
  'SLUICE_UPSTREAM_TIMEOUT',
];

const tenantHeader = {
  name: SLUICE_HEADERS.tenant,
  in: 'header',
  required: true,
  description: 'Set by the ingress for the app; the app forwards it (the egress listens on loopback only).',
  schema: { type: 'string' },
};

const message = {
  type: 'object',
  required: ['role', 'content'],
  properties: {
    role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant'] },
    content: { type: 'string' },
  },
};

const sluiceTemplate = {
  type: 'object',
  description: 'Render the tenant template (docs/egress.md Templates) as the last user message.',
  properties: {
    template: { type: 'string' },
    variables: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

function ingressPaths(): Json {
  return {
    '/v1/answer': {
      post: {
        summary: "Any path is proxied to the RAG app; this is the example app's query route.",
        security: [{ bearer: [] }, { apiKey: [] }],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  query: { type: 'string', description: 'Screened (--query-field)' },
                  top_k: { type: 'integer', description: "Capped at the tier's caps.topK (--cap-fields)" },
                },
              },
            },
          },
        },
        responses: {
          '200': { description: "The app's answer (JSON or text/event-stream), passed through" },
          ...errorResponses(INGRESS_ERRORS),
        },
      },
    },
  };
}

function egressPaths(): Json {
  /** One wire format's POST: the tenant header, its JSON body (plus `sluice`), its answers. */
  const llmPost = (summary: string, properties: Json, answer: string) => ({
    post: {
      summary,
      parameters: [tenantHeader],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: { type: 'object', properties: { ...properties, sluice: sluiceTemplate } },
          },
        },
      },
      responses: {
        '200': { description: `${answer} answer (JSON, or an event stream when stream is true)` },
        ...errorResponses(EGRESS_ERRORS),
      },
    },
  });
  return {
    '/v1/chat/completions': llmPost(
      'OpenAI chat completions through the tenant model chain',
      {
        model: { type: 'string' },
        messages: { type: 'array', items: message },
        max_tokens: { type: 'integer', minimum: 1 },
        temperature: { type: 'number', minimum: 0, maximum: 2 },
        stream: { type: 'boolean' },
      },
      'OpenAI chat.completion',
    ),
    '/v1/messages': llmPost(
      'Anthropic Messages through the tenant model chain',
      {
        model: { type: 'string' },
        system: { type: 'string' },
        messages: { type: 'array', items: message },
        max_tokens: { type: 'integer', minimum: 1 },
        stream: { type: 'boolean' },
      },
      'Anthropic message',
    ),
    '/v1/models': {
      get: {
        summary: "The tenant's allowed models",
        parameters: [tenantHeader],
        responses: {
          '200': { description: 'OpenAI list format (Anthropic format with anthropic-version)' },
          ...errorResponses(['SLUICE_TENANT_UNKNOWN', 'SLUICE_TENANT_SUSPENDED', 'SLUICE_NOT_READY']),
        },
      },
    },
  };
}

function adminPaths(): Json {
  return {
    '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'alive' } } } },
    '/readyz': {
      get: {
        summary: 'Readiness: a policy set is loaded',
        responses: { '200': { description: 'ready' }, ...errorResponses(['SLUICE_NOT_READY']) },
      },
    },
    '/policies/{tenantId}': {
      get: {
        summary: 'The policy version this sidecar serves for a tenant',
        parameters: [{ name: 'tenantId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: '{ tenantId, version }' },
          '404': { description: 'no such tenant' },
        },
      },
    },
    '/openapi.json': {
      get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.0' } } },
    },
  };
}

/** The OpenAPI 3.0 document, for every surface or one. */
export function openApiDocument(surfaces: readonly Surface[] = ['ingress', 'egress', 'admin']): Json {
  const paths: Json = {};
  if (surfaces.includes('ingress')) Object.assign(paths, ingressPaths());
  if (surfaces.includes('egress')) Object.assign(paths, egressPaths());
  if (surfaces.includes('admin')) Object.assign(paths, adminPaths());
  return {
    openapi: '3.0.3',
    info: {
      title: 'Sluice sidecar',
      version: '0.1.0',
      description:
        'Ingress (:8080, clients), egress (127.0.0.1:8081, the app), admin (:8082). Every error is { error: { code, message } } with a code of docs/errors.md.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The tenant API key' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: Object.keys(ERRORS) },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
  };
}

/** `?surface=` of GET /openapi.json → the surfaces; unknown values are ignored (whole document). */
export function parseSurfaces(raw: unknown): Surface[] {
  const all: Surface[] = ['ingress', 'egress', 'admin'];
  if (typeof raw !== 'string') return all;
  const picked = raw.split(',').filter((s): s is Surface => (all as string[]).includes(s));
  return picked.length > 0 ? picked : all;
}
