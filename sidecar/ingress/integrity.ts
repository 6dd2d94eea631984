/**
 * The one place the ingress enforces its invariant (docs/adr/0011-request-integrity.md): what
 * the app receives is the serialisation of the one value that was authenticated, capped and
 * screened. After authentication and the rate limit, before the fair queue, this hook
 *
 *   1. checks the query string (params.ts): capped parameters clamped in place, screened ones
 *      collected; the fragment is dropped;
 *   2. classifies the body by Content-Type / Content-Encoding (media-type.ts) — 415 for what it
 *      cannot check — and reads it (body.ts, --body-limit);
 *   3. JSON: reads it strictly (strict-json.ts, --json-max-depth), walks it once (inspect.ts),
 *      request/json-body.ts;
 *      forms: the same as the query string; multipart: part names checked; other accepted
 *      types stream through as sent;
 *   4. screens the collected text (screening.ts);
 *   5. hands the proxy `ctx.forward`: the target and the bytes to send — JSON.stringify of the
 *      checked value, or the client's bytes when they are a canonical text of that same value and
 *      no cap changed it (docs/adr/0038-forward-canonical-bytes.md).
 * Nothing reaches the proxy without passing here: the proxy refuses a request without `forward`.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { EffectivePolicy } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import { SHADOW_HEADER, withShadowReason } from '../../policy/shadow.ts';
import { SLUICE_HEADERS } from '../../policy/wire.ts';
import type { SidecarMetrics } from '../metrics.ts';
import { type CapRule, type FieldRules, newInspection, pointerSegments } from '../request/inspect.ts';
import { checkJsonBody, type JsonBody } from '../request/json-body.ts';
import { classifyBody } from '../request/media-type.ts';
import { checkMultipartNames } from '../request/multipart.ts';
import { foldName } from '../request/names.ts';
import { checkParams, checkPathParams } from '../request/params.ts';
import { JsonReadError } from '../request/strict-json.ts';
import { ByteLimit, hasBody, readBody } from './body.ts';
import type { TenantScreeners } from './screening.ts';

export interface IntegrityOptions {
  bodyLimitBytes: number;
  jsonMaxDepth: number;
  /** --cap-fields: capped at the tier's caps.topK. */
  capFields: readonly string[];
  /** --query-field: always screened. */
  queryField: string;
  screeners: TenantScreeners;
  metrics: SidecarMetrics;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Printable ASCII only: a key like "ｔｏｐ＿ｋ" is written \uff54… (header values are latin1). */
export function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The fields a tenant's requests are checked for, built once per policy object. */
export function fieldRules(
  policy: EffectivePolicy,
  capFields: readonly string[],
  queryField: string,
): FieldRules {
  const caps: CapRule[] = capFields.map((name) => ({
    name,
    folded: foldName(name),
    max: policy.caps.topK,
    paths: policy.caps.topKPaths ? policy.caps.topKPaths.map(pointerSegments) : null,
  }));
  for (const field of policy.caps.fields) {
    caps.push({
      name: field.name,
      folded: foldName(field.name),
      max: field.max,
      paths: field.paths ? field.paths.map(pointerSegments) : null,
    });
  }
  const screened = [...new Set([queryField, ...(policy.screening.fields ?? [])].map(foldName))];
  return { caps, screened };
}

async function integrity(app: FastifyInstance, options: IntegrityOptions): Promise<void> {
  const { bodyLimitBytes, jsonMaxDepth, capFields, queryField, screeners, metrics } = options;
  const rules = new WeakMap<EffectivePolicy, FieldRules>();
  const rulesFor = (policy: EffectivePolicy) => {
    let found = rules.get(policy);
    if (!found) {
      found = fieldRules(policy, capFields, queryField);
      rules.set(policy, found);
    }
    return found;
  };

  const check = async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const ctx = request.sluice;
    if (!ctx) return;
    const policy = ctx.tenant.policy;
    const fields = rulesFor(policy);
    const out = newInspection();
    const raw = request.raw;

    // 1. Target: the fragment is not part of a request target (RFC 9110 §7.1); an app that
    // read `?a#&top_k=100` as a query would see a parameter nobody checked.
    let url = raw.url ?? '/';
    const hash = url.indexOf('#');
    if (hash >= 0) url = url.slice(0, hash);
    const question = url.indexOf('?');
    checkPathParams(question >= 0 ? url.slice(0, question) : url, fields);
    let target = url;
    if (question >= 0) {
      const query = checkParams(url.slice(question + 1), fields, out, '?');
      target = `${url.slice(0, question)}?${query}`;
    }

    // 2, 3. Body.
    let body: Buffer | ByteLimit | null = null;
    let contentType: string | null = null;
    let rewritten = false;
    if (hasBody(raw)) {
      const te = raw.headers['transfer-encoding'];
      if (te !== undefined && te.trim().toLowerCase() !== 'chunked') {
        throw new SluiceError(
          'SLUICE_UNSUPPORTED_MEDIA_TYPE',
          `Transfer-Encoding ${JSON.stringify(te)}: use chunked or a Content-Length`,
        );
      }
      const kind = classifyBody(
        raw.headers['content-type'],
        raw.headers['content-encoding'],
        policy.ingress?.contentTypes ?? [],
      );
      contentType = kind.contentType;
      if (kind.kind === 'opaque') {
        const declared = Number(raw.headers['content-length'] ?? Number.NaN);
        if (declared > bodyLimitBytes)
          throw new SluiceError('SLUICE_BODY_TOO_LARGE', `${declared} bytes > ${bodyLimitBytes}`);
        body = raw.pipe(new ByteLimit(bodyLimitBytes));
      } else {
        const bytes = await readBody(raw, bodyLimitBytes);
        if (bytes.length === 0) {
          contentType = null;
        } else if (kind.kind === 'json') {
          let json: JsonBody;
          try {
            json = checkJsonBody(bytes, jsonMaxDepth, fields, out);
          } catch (error) {
            if (error instanceof JsonReadError) throw new SluiceError('SLUICE_BAD_REQUEST', error.message);
            throw error;
          }
          body = json.bytes;
          rewritten = json.rewritten;
        } else if (kind.kind === 'form') {
          let text: string;
          try {
            text = strictUtf8.decode(bytes);
          } catch {
            throw new SluiceError('SLUICE_BAD_REQUEST', 'the form body is not UTF-8');
          }
          const checked = checkParams(text, fields, out, 'form:');
          body = checked === text ? bytes : Buffer.from(checked);
          rewritten = checked !== text;
        } else {
          checkMultipartNames(bytes, kind.boundary!, fields);
          body = bytes;
        }
      }
    }

    // Caps: the answer says what was lowered.
    if (out.notes.length > 0) {
      ctx.responseHeaders[SLUICE_HEADERS.capped] = headerSafe(out.notes.join(', '));
      for (const field of out.capped)
        metrics.capped.inc({ tenant: policy.tenantId, tier: policy.tier, field });
    }

    // 4. Screening (throws SLUICE_PROMPT_REJECTED; in shadow the answer says so instead).
    const screened = await screeners.screen(policy, out.texts);
    if (screened.header !== null)
      ctx.upstreamHeaders = { ...ctx.upstreamHeaders, [SLUICE_HEADERS.screening]: screened.header };
    if (screened.shadowed)
      ctx.responseHeaders[SHADOW_HEADER] = withShadowReason(
        ctx.responseHeaders[SHADOW_HEADER],
        'prompt-rejected',
      );

    // 5. What the proxy sends.
    ctx.forward = { target, body, contentType, rewritten };
  };
  app.addHook('preValidation', check);
}

export const integrityPlugin = fp(integrity, {
  name: 'sluice-integrity',
  dependencies: ['sluice-tenant-auth'],
});
