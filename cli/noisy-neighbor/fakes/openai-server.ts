/**
 * A fake OpenAI-compatible chat-completions server speaking the real wire format: JSON answers
 * with `usage`, SSE streams (`data: {chunk}\n\n` … `data: [DONE]`, choices[].delta, the final
 * usage chunk when stream_options.include_usage), 429 with Retry-After, 5xx, slow answers, hung
 * answers and streams cut in the middle — scripted per model, per attempt:
 *
 *   const fake = await startOpenAIFake();
 *   fake.script([{ status: 503 }, { ok: true }], 'gpt-4');   // first call 503, then a normal answer
 *   … fake.requests …                                        // what it received
 *
 * Listens on 127.0.0.1 port 0. The shared scripting core is exported for the Anthropic fake.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeStep {
  /** Marker for "a normal answer" (the default when a script runs out). */
  ok?: boolean;
  /** Answer with this HTTP error status (429, 500, 503, 400 …). */
  status?: number;
  /** Retry-After header, seconds. */
  retryAfter?: number;
  /** Wait this long before the response headers. */
  delayMs?: number;
  /** Never answer (the egress's timeout must fire). The socket is closed when the fake closes. */
  hang?: boolean;
  /** The answer text; default "Hello from <model>". Streamed word by word. */
  text?: string;
  /** Streams: after this many content chunks, destroy the socket (a stream cut in the middle). */
  cutAfter?: number;
  /** Streams: send the 200 headers, then destroy the socket before any event. */
  cutAtStart?: boolean;
  /** Streams: after this many content chunks, send the provider's error event and end. */
  errorAfter?: number;
  /** Streams: pause between chunks, ms. */
  chunkDelayMs?: number;
  /** Override the reported usage. */
  usage?: { prompt: number; completion: number };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface AnswerContext {
  step: FakeStep;
  body: Record<string, unknown>;
  model: string;
  text: string;
  words: string[];
  promptTokens: number;
  completionTokens: number;
  req: IncomingMessage;
  res: ServerResponse;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeProvider {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, FakeStep[]>();
  private readonly server: Server;
  private readonly path: string;
  private readonly answer: (ctx: AnswerContext) => Promise<void>;
  private readonly errorBody: (status: number) => unknown;
  url = '';

  constructor(
    path: string,
    answer: (ctx: AnswerContext) => Promise<void>,
    errorBody: (status: number) => unknown,
  ) {
    this.path = path;
    this.answer = answer;
    this.errorBody = errorBody;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
        else res.destroy();
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Queue steps for a model ('*' = any model without its own script). Each request takes one. */
  script(steps: FakeStep[], model = '*'): void {
    this.scripts.set(model, [...(this.scripts.get(model) ?? []), ...steps]);
  }

  /** Requests received for a model. */
  requestsFor(model: string): RecordedRequest[] {
    return this.requests.filter((r) => r.body['model'] === model);
  }

  reset(): void {
    this.requests.length = 0;
    this.scripts.clear();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private nextStep(model: string): FakeStep {
    const own = this.scripts.get(model);
    if (own && own.length > 0) return own.shift()!;
    const any = this.scripts.get('*');
    if (any && any.length > 0) return any.shift()!;
    return { ok: true };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = (chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}) as Record<
      string,
      unknown
    >;
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
    if (req.method !== 'POST' || req.url !== this.path) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(this.errorBody(404)));
      return;
    }
    const model = String(body['model'] ?? '');
    const step = this.nextStep(model);
    if (step.hang) return; // the response never comes; close() tears the socket down
    if (step.delayMs) await sleep(step.delayMs);
    if (step.status && step.status >= 400) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (step.retryAfter !== undefined) headers['retry-after'] = String(step.retryAfter);
      res.writeHead(step.status, headers).end(JSON.stringify(this.errorBody(step.status)));
      return;
    }
    const text = step.text ?? `Hello from ${model}`;
    const words = text.split(/(?<= )/);
    const maxTokens = Number(body['max_tokens'] ?? body['max_completion_tokens'] ?? Number.POSITIVE_INFINITY);
    const shown = words.slice(0, Math.min(words.length, maxTokens));
    const promptTokens = step.usage?.prompt ?? Math.ceil(JSON.stringify(body['messages'] ?? []).length / 4);
    const completionTokens = step.usage?.completion ?? shown.length;
    await this.answer({
      step,
      body,
      model,
      text: shown.join(''),
      words: shown,
      promptTokens,
      completionTokens,
      req,
      res,
    });
  }
}

/** Writes SSE chunks with the step's pacing; returns false when the step cut the stream. */
export async function writeChunks(
  ctx: AnswerContext,
  chunks: string[],
  contentChunk: (i: number) => boolean,
  errorEvent: () => string,
): Promise<boolean> {
  const { step, res } = ctx;
  const cutting = step.cutAfter !== undefined || step.errorAfter !== undefined;
  if (step.cutAtStart) {
    res.flushHeaders();
    await sleep(20); // let the headers leave before the socket goes
    res.socket?.destroy();
    return false;
  }
  let content = 0;
  for (let i = 0; i < chunks.length; i++) {
    if (contentChunk(i)) {
      if (ctx.step.cutAfter !== undefined && content === ctx.step.cutAfter) {
        ctx.res.socket?.destroy();
        return false;
      }
      if (ctx.step.errorAfter !== undefined && content === ctx.step.errorAfter) {
        ctx.res.end(errorEvent());
        return false;
      }
      content += 1;
    }
    // Before a cut, wait for each chunk to reach the socket: destroy() drops unflushed writes.
    if (cutting) await new Promise((resolve) => res.write(chunks[i], resolve));
    else res.write(chunks[i]);
    if (step.chunkDelayMs) await sleep(step.chunkDelayMs);
  }
  return true;
}

function openaiError(status: number) {
  const type =
    status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message: `fake upstream answered ${status}`, type, param: null, code: type } };
}

async function openaiAnswer(ctx: AnswerContext): Promise<void> {
  const { body, model, res } = ctx;
  const id = `chatcmpl-fake${Math.random().toString(36).slice(2, 10)}`;
  const created = 1_700_000_000;
  const maxTokens = Number(body['max_tokens'] ?? body['max_completion_tokens'] ?? Number.POSITIVE_INFINITY);
  const finishReason = ctx.words.length >= maxTokens ? 'length' : 'stop';
  const usage = {
    prompt_tokens: ctx.promptTokens,
    completion_tokens: ctx.completionTokens,
    total_tokens: ctx.promptTokens + ctx.completionTokens,
  };
  if (body['stream'] !== true) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: ctx.text, refusal: null },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
      }),
    );
    return;
  }
  const includeUsage =
    (body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage === true;
  const chunk = (delta: Record<string, unknown>, finishReasonValue: string | null) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReasonValue }],
      ...(includeUsage ? { usage: null } : {}),
    })}\n\n`;
  const chunks = [
    chunk({ role: 'assistant', content: '' }, null),
    ...ctx.words.map((w) => chunk({ content: w }, null)),
    chunk({}, finishReason),
  ];
  if (includeUsage) {
    chunks.push(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`,
    );
  }
  chunks.push('data: [DONE]\n\n');
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const complete = await writeChunks(
    ctx,
    chunks,
    (i) => i >= 1 && i <= ctx.words.length,
    () => `data: ${JSON.stringify(openaiError(500))}\n\n`,
  );
  if (complete) res.end();
}

export function startOpenAIFake(): Promise<FakeProvider> {
  return new FakeProvider('/v1/chat/completions', openaiAnswer, openaiError).listen();
}
