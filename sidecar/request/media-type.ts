/**
 * What a request body is, from its Content-Type and Content-Encoding — decided before a byte of
 * it is read (docs/adr/0011-request-integrity.md). Pure.
 *
 *   json       application/json, any application/*+json, and the aliases lenient stacks read as
 *              JSON: text/json, text/x-json, application/x-json — and no Content-Type at all
 *              (FastAPI and others parse an untyped body as JSON). Read strictly, checked,
 *              re-serialised unless canonical and uncapped (request/json-body.ts).
 *   form       application/x-www-form-urlencoded, only when the tenant policy lists it in
 *              spec.ingress.contentTypes: parsed, capped, screened, re-serialised.
 *   multipart  multipart/form-data, only when listed: forwarded as sent, but refused when a part
 *              is named like a capped or screened field.
 *   opaque     any other type the policy lists: forwarded as sent, unchecked (uploads).
 * Everything else is 415 SLUICE_UNSUPPORTED_MEDIA_TYPE: text/plain, forms and uploads by default,
 * a charset other than UTF-8, and any Content-Encoding (gzip, deflate, br …): the sidecar does not
 * decompress, so it could not check the body.
 */
import { SluiceError } from '../../policy/errors.ts';

export type BodyKind = 'json' | 'form' | 'multipart' | 'opaque';

export interface MediaType {
  /** type/subtype, lower case ("application/json"). */
  essence: string;
  /** Parameters, names lower case. */
  params: Map<string, string>;
}

export interface BodyClass {
  kind: BodyKind;
  /** What the app is told (Content-Type it receives). */
  contentType: string;
  /** multipart: the boundary. */
  boundary: string | null;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const JSON_ALIASES = new Set(['application/json', 'text/json', 'text/x-json', 'application/x-json']);
const UTF8 = new Set(['utf-8', 'utf8']);

export const FORM = 'application/x-www-form-urlencoded';
export const MULTIPART = 'multipart/form-data';

/** Parses a Content-Type value; null when it is not a valid media type (RFC 9110 §8.3.1). */
export function parseMediaType(value: string): MediaType | null {
  const semi = value.indexOf(';');
  const essence = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash <= 0 || !TOKEN.test(essence.slice(0, slash)) || !TOKEN.test(essence.slice(slash + 1)))
    return null;
  const params = new Map<string, string>();
  let rest = semi < 0 ? '' : value.slice(semi + 1);
  while (rest.trim() !== '') {
    const eq = rest.indexOf('=');
    if (eq < 0) return null;
    const name = rest.slice(0, eq).trim().toLowerCase();
    if (!TOKEN.test(name)) return null;
    rest = rest.slice(eq + 1).trimStart();
    let param: string;
    if (rest.startsWith('"')) {
      let i = 1;
      param = '';
      for (; i < rest.length && rest[i] !== '"'; i++) {
        if (rest[i] === '\\') i++;
        param += rest[i] ?? '';
      }
      if (i >= rest.length) return null;
      rest = rest.slice(i + 1).trimStart();
      if (rest !== '' && !rest.startsWith(';')) return null;
      rest = rest.slice(1);
    } else {
      const next = rest.indexOf(';');
      param = (next < 0 ? rest : rest.slice(0, next)).trim();
      if (!TOKEN.test(param)) return null;
      rest = next < 0 ? '' : rest.slice(next + 1);
    }
    // The same parameter twice (two charsets, two boundaries) can be read either way: refused.
    if (params.has(name)) return null;
    params.set(name, param);
  }
  return { essence, params };
}

export function isJsonEssence(essence: string): boolean {
  return JSON_ALIASES.has(essence) || (essence.startsWith('application/') && essence.endsWith('+json'));
}

const unsupported = (detail: string) => new SluiceError('SLUICE_UNSUPPORTED_MEDIA_TYPE', detail);

/**
 * Classifies a request body. `accepted` are the extra types the tenant's policy lists
 * (spec.ingress.contentTypes, lower case). Throws 415 SLUICE_UNSUPPORTED_MEDIA_TYPE.
 */
export function classifyBody(
  contentType: string | undefined,
  contentEncoding: string | undefined,
  accepted: readonly string[],
): BodyClass {
  if (contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity') {
    throw unsupported(`Content-Encoding ${JSON.stringify(contentEncoding)}: send the body uncompressed`);
  }
  if (contentType === undefined || contentType.trim() === '') {
    return { kind: 'json', contentType: 'application/json', boundary: null };
  }
  const media = parseMediaType(contentType);
  if (!media) throw unsupported(`Content-Type ${JSON.stringify(contentType)} is not a valid media type`);
  const charset = media.params.get('charset');
  if (isJsonEssence(media.essence)) {
    if (charset !== undefined && !UTF8.has(charset.toLowerCase()))
      throw unsupported(`charset ${JSON.stringify(charset)}: JSON is read as UTF-8 only`);
    return { kind: 'json', contentType: media.essence, boundary: null };
  }
  if (!accepted.includes(media.essence)) {
    throw unsupported(
      `Content-Type ${media.essence} is not accepted for this tenant; send application/json` +
        (accepted.length > 0 ? ` or one of ${accepted.join(', ')}` : ''),
    );
  }
  if (media.essence === FORM) {
    if (charset !== undefined && !UTF8.has(charset.toLowerCase()))
      throw unsupported(`charset ${JSON.stringify(charset)}: forms are read as UTF-8 only`);
    return { kind: 'form', contentType: FORM, boundary: null };
  }
  if (media.essence === MULTIPART) {
    const boundary = media.params.get('boundary');
    if (!boundary || boundary.length > 70)
      throw new SluiceError(
        'SLUICE_BAD_REQUEST',
        'multipart/form-data needs one boundary of 1 to 70 characters',
      );
    return { kind: 'multipart', contentType, boundary };
  }
  return { kind: 'opaque', contentType, boundary: null };
}
