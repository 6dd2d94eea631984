/**
 * Reading request bodies off the socket, bounded by --body-limit (413 SLUICE_BODY_TOO_LARGE):
 * `readBody` buffers a body that is checked (JSON, forms, multipart), sized once from
 * Content-Length when there is one; `ByteLimit` bounds an accepted upload that streams through
 * unbuffered. fastify's own body parsing is switched off (`noBodyParser`): the integrity hook
 * (integrity.ts) reads the body itself for every method, GET and HEAD included, so no method
 * carries a body past the checks.
 */
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SluiceError } from '../../policy/errors.ts';

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

/** Whether the request announces a body (Node has refused CL+TE and bad lengths already). */
export function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Reads the whole body, at most `limit` bytes. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > limit) {
    return Promise.reject(new SluiceError('SLUICE_BODY_TOO_LARGE', `${declared} bytes > ${limit}`));
  }
  return new Promise((resolve, reject) => {
    const sized = Number.isInteger(declared) ? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let length = 0;
    const done = (error: Error | null) => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      if (error) {
        request.resume(); // drain: the answer closes the connection
        reject(error);
      }
    };
    const onData = (chunk: Buffer) => {
      if (length + chunk.length > limit) {
        done(new SluiceError('SLUICE_BODY_TOO_LARGE', `more than ${limit} bytes`));
        return;
      }
      if (sized) chunk.copy(sized, length);
      else chunks.push(chunk);
      length += chunk.length;
    };
    const onEnd = () => {
      done(null);
      resolve(
        sized ? sized.subarray(0, length) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length),
      );
    };
    const onError = (error: Error) =>
      done(new SluiceError('SLUICE_BAD_REQUEST', `the body could not be read: ${error.message}`));
    const onClose = () => {
      if (!request.complete)
        done(new SluiceError('SLUICE_BAD_REQUEST', 'the client closed the connection mid-body'));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

/** Leaves every body unread for the integrity hook: one catch-all parser that reads nothing. */
async function noBodyParser(app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}

export const noBodyParserPlugin = fp(noBodyParser, { name: 'sluice-no-body-parser' });
