/**
 * The one error handler of every Sluice listener (docs/adr/0036-structured-errors.md): whatever
 * a route or hook throws becomes the registry's status, the JSON body `{"error":{"code","message"}}`
 * and the error's own headers (Retry-After, RateLimit, ...), through errorAnswer (errors.ts).
 * Unknown errors are 500 SLUICE_INTERNAL, logged here once with their stack, never sent.
 *
 *   fastify listeners (ingress, egress, sidecar metrics and admin)  errorHandlerPlugin
 *   node:http listeners (operator metrics/health, webhook)          writeError
 *   Node's parser refusals before any request exists                client-error.ts (raw socket)
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SluiceError } from '../../policy/errors.ts';
import { ERROR_CONTENT_TYPE, errorAnswer } from './errors.ts';

export interface ErrorHandlerOptions {
  /** Names the listener in the internal-error log line ("ingress internal error"). */
  name: string;
  /** Called for every error answer, before it is sent (metrics). Must not throw. */
  onError?(error: SluiceError, request: FastifyRequest, thrown: unknown): void;
  /** Fields added to the internal-error log line (tenant, ...). */
  logFields?(request: FastifyRequest): Record<string, unknown>;
  /** Headers the answer carries besides the error's own (RateLimit, sluice-capped, ...). */
  headers?(request: FastifyRequest): Readonly<Record<string, string>> | null | undefined;
  /** The client's shape of the body (Anthropic clients get `{"type":"error",…}`). */
  body?(error: SluiceError, request: FastifyRequest): unknown;
}

/** Sends a registry error on a fastify reply: its status, its headers, the registry body. */
export function replyError(reply: FastifyReply, error: SluiceError): FastifyReply {
  return reply
    .headers(error.headers)
    .code(error.status)
    .header('content-type', ERROR_CONTENT_TYPE)
    .send(error.toJSON());
}

async function errorHandler(app: FastifyInstance, options: ErrorHandlerOptions): Promise<void> {
  app.setNotFoundHandler((request, reply) => {
    handle(options, request, reply, errorFor404(request));
  });
  app.setErrorHandler((thrown: unknown, request, reply) => {
    handle(options, request, reply, thrown);
  });
}

function errorFor404(request: FastifyRequest): SluiceError {
  return new SluiceError('SLUICE_ROUTE_UNKNOWN', `${request.method} ${request.url.split('?')[0]}`);
}

function handle(options: ErrorHandlerOptions, request: FastifyRequest, reply: FastifyReply, thrown: unknown) {
  let answer: ReturnType<typeof errorAnswer>;
  try {
    answer = errorAnswer(thrown, options.headers?.(request) ?? undefined, (error) =>
      options.body ? options.body(error, request) : error.toJSON(),
    );
  } catch (failure) {
    // The listener's own hooks failed while answering: still an answer, Sluice's fault.
    thrown = failure;
    answer = errorAnswer(null);
  }
  const { error } = answer;
  if (error.code === 'SLUICE_INTERNAL') {
    logInternal(request.log, thrown, `${options.name} internal error`, {
      method: request.method,
      ...safe(() => options.logFields?.(request)),
    });
  } else if (error.rule !== undefined || error.details !== undefined) {
    // A refusal is the client's, not an incident: at debug, with what fired (off by default).
    safe(() =>
      request.log.debug(
        { code: error.code, rule: error.rule, details: error.details },
        `${options.name} refused`,
      ),
    );
  }
  safe(() => options.onError?.(answer.error, request, thrown));
  // A stream already under way (egress): its own code ends it; nothing can be said on top.
  if (reply.sent || reply.raw.headersSent) return;
  void reply.code(answer.status).headers(answer.headers).send(answer.body);
}

interface ErrorLog {
  error(fields: object, message: string): void;
}

/** Logs an internal error with its stack; a value the logger cannot serialise is logged by type. */
function logInternal(log: ErrorLog, thrown: unknown, message: string, fields: Record<string, unknown>) {
  try {
    log.error({ err: thrown, ...fields }, message);
  } catch {
    safe(() => log.error({ errType: typeof thrown, ...fields }, message));
  }
}

function safe<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

/** Every fastify listener registers this once, before its routes. */
export const errorHandlerPlugin = fp(errorHandler, { name: 'sluice-error-handler', fastify: '5.x' });

/** The same answer on a node:http response (the operator's listeners). */
export function writeError(res: ServerResponse, thrown: unknown, log?: ErrorLog, name = 'listener'): void {
  const answer = errorAnswer(thrown);
  if (answer.error.code === 'SLUICE_INTERNAL' && log) logInternal(log, thrown, `${name} internal error`, {});
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(answer.status, answer.headers).end(answer.body);
}
