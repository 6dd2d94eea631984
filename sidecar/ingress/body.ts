/**
 * Request bodies: JSON is read (up to the body limit) so caps and screening can see it; every
 * other type is passed through as a stream, never buffered, with the same byte limit enforced
 * as it flows. An invalid JSON body is refused (400): passing it on would let a lenient app
 * parser read a top_k the caps never saw.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SluiceError } from '../../policy/errors.ts';

export interface BodyOptions {
  bodyLimitBytes: number;
}

/** A parsed JSON body together with the bytes it came from (forwarded as-is when unchanged). */
export interface JsonBody {
  raw: Buffer;
  value: unknown;
}

export class ByteLimit extends Transform {
  private seen = 0;
  private readonly limit: number;

  constructor(limit: number) {
    super();
    this.limit = limit;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      callback(new SluiceError('SLUICE_BODY_TOO_LARGE', `more than ${this.limit} bytes`));
      return;
    }
    callback(null, chunk);
  }
}

async function body(app: FastifyInstance, options: BodyOptions): Promise<void> {
  const limit = options.bodyLimitBytes;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    /^application\/([a-z0-9.+-]*\+)?json(;.*)?$/i,
    { parseAs: 'buffer', bodyLimit: limit },
    (_request, raw, done) => {
      const buffer = raw as Buffer;
      if (buffer.length === 0) return done(null, { raw: buffer, value: undefined } satisfies JsonBody);
      try {
        done(null, { raw: buffer, value: JSON.parse(buffer.toString('utf8')) } satisfies JsonBody);
      } catch (error) {
        done(new SluiceError('SLUICE_BAD_REQUEST', `invalid JSON: ${(error as Error).message}`), undefined);
      }
    },
  );
  app.addContentTypeParser('*', (request, payload, done) => {
    const length = Number(request.headers['content-length']);
    if (length > limit)
      return done(new SluiceError('SLUICE_BODY_TOO_LARGE', `${length} bytes > ${limit}`), undefined);
    done(null, payload.pipe(new ByteLimit(limit)));
  });
}

export const bodyPlugin = fp(body, { name: 'sluice-body' });
