/**
 * A fake Anthropic Messages server speaking the real wire format: JSON messages with `usage`,
 * streams of `event: message_start` / `content_block_start` / `ping` / `content_block_delta` /
 * `content_block_stop` / `message_delta` (usage) / `message_stop`, 429 with Retry-After,
 * 500/529 with Anthropic error bodies, `event: error` mid-stream, slow and cut streams —
 * scripted per model like the OpenAI fake (same FakeStep). Listens on 127.0.0.1 port 0.
 */
import { type AnswerContext, FakeProvider, writeChunks } from './openai-server.ts';

function anthropicError(status: number) {
  const type =
    status === 429
      ? 'rate_limit_error'
      : status === 529
        ? 'overloaded_error'
        : status >= 500
          ? 'api_error'
          : status === 404
            ? 'not_found_error'
            : 'invalid_request_error';
  return { type: 'error', error: { type, message: `fake upstream answered ${status}` } };
}

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

async function anthropicAnswer(ctx: AnswerContext): Promise<void> {
  const { body, model, res } = ctx;
  const id = `msg_fake${Math.random().toString(36).slice(2, 10)}`;
  const maxTokens = Number(body['max_tokens'] ?? Number.POSITIVE_INFINITY);
  const stopReason = ctx.words.length >= maxTokens ? 'max_tokens' : 'end_turn';
  if (body['stream'] !== true) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: ctx.text }],
        stop_reason: stopReason,
        stop_sequence: null,
        usage: { input_tokens: ctx.promptTokens, output_tokens: ctx.completionTokens },
      }),
    );
    return;
  }
  const chunks = [
    sse('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: ctx.promptTokens, output_tokens: 1 },
      },
    }),
    sse('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
    sse('ping', { type: 'ping' }),
    ...ctx.words.map((w) =>
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: w },
      }),
    ),
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: ctx.completionTokens },
    }),
    sse('message_stop', { type: 'message_stop' }),
  ];
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const complete = await writeChunks(
    ctx,
    chunks,
    (i) => i >= 3 && i < 3 + ctx.words.length,
    () => sse('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
  );
  if (complete) res.end();
}

export function startAnthropicFake(): Promise<FakeProvider> {
  return new FakeProvider('/v1/messages', anthropicAnswer, anthropicError).listen();
}
