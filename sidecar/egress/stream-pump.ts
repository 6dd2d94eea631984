/**
 * A streamed answer, from the provider's SSE body to the client's socket. `streamPump` reads the
 * upstream event by event through a translator (formats/stream-translator.ts: pass-through or a
 * wire format's translation); `relayStream` writes what it yields with backpressure until the
 * upstream ends, breaks or the client leaves; `endStream` closes the client's stream with the
 * format's end or a SLUICE_STREAM_INTERRUPTED error event, never a silently truncated 200.
 */
import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import { SluiceError } from '../../policy/errors.ts';
import type { StreamTranslator } from './formats/stream-translator.ts';
import { isProviderFault, ProviderProtocolError, type UpstreamResponse } from './providers/upstream.ts';
import type { Usage } from './usage.ts';

export interface StreamPump {
  translator: StreamTranslator;
  /** Next bytes for the client, or null when the upstream ended; throws when it broke. */
  next(): Promise<string | null>;
  cancel(): void;
}

/** Reads an upstream SSE body event by event through a translator. */
export function streamPump(body: UpstreamResponse['body'], translator: StreamTranslator): StreamPump {
  const iterator = body[Symbol.asyncIterator]();
  const decoder = new StringDecoder('utf8');
  let out = '';
  const parser = createParser({
    onEvent: (event) => {
      try {
        out += translator.push(event.event, event.data);
      } catch (error) {
        // Event data that is not JSON is the provider's; a translator that throws on valid data is ours.
        if (error instanceof SyntaxError)
          throw new ProviderProtocolError(`unreadable event: ${error.message}`);
        throw error;
      }
    },
  });
  return {
    translator,
    async next() {
      while (out === '') {
        if (translator.upstreamError !== null) throw new ProviderProtocolError(translator.upstreamError);
        const { value, done } = await iterator.next();
        if (done) {
          parser.feed(decoder.end());
          if (out !== '') break;
          return null;
        }
        parser.feed(decoder.write(value));
      }
      const chunk = out;
      out = '';
      return chunk;
    },
    cancel() {
      body.destroy();
    },
  };
}

export interface Relayed {
  /** Why the stream is cut short (the upstream broke or ended without its end marker), or null. */
  interrupted: string | null;
  /** Whether that was the provider's fault (it then counts toward the provider's breaker). */
  providerFault: boolean;
  /** A failure that was Sluice's own (to be logged), when there was one. */
  internal: unknown;
}

/**
 * Writes the first chunk and then every chunk the pump yields, waiting for `drain` when the
 * client reads slower than the provider writes, until the upstream ends or `signal` (the client
 * left) aborts.
 */
export async function relayStream(
  res: ServerResponse,
  pump: StreamPump,
  first: string,
  signal: AbortSignal,
): Promise<Relayed> {
  const write = async (text: string) => {
    if (!res.write(text)) await new Promise((resolve) => res.once('drain', resolve));
  };
  let interrupted: string | null = null;
  let providerFault = true;
  let internal: unknown;
  try {
    await write(first);
    for (;;) {
      if (signal.aborted) break;
      const chunk = await pump.next();
      if (chunk === null) break;
      await write(chunk);
    }
    if (!signal.aborted && !pump.translator.done)
      interrupted = 'the upstream stream ended before its end marker';
  } catch (error) {
    interrupted = signal.aborted ? null : (error as Error).message || 'the upstream stream broke';
    providerFault = isProviderFault(error);
    if (!providerFault && !signal.aborted) internal = error;
  }
  return { interrupted, providerFault, internal };
}

/** Ends the client's stream: the error event in its format when interrupted, else the format's tail. */
export function endStream(
  res: ServerResponse,
  pump: StreamPump,
  interrupted: string | null,
  aborted: boolean,
) {
  if (interrupted !== null) {
    pump.cancel();
    const error = new SluiceError('SLUICE_STREAM_INTERRUPTED', interrupted);
    if (!res.destroyed) res.write(pump.translator.errorEvent(error.code, error.message));
  } else {
    const tail = pump.translator.finish();
    if (tail && !res.destroyed) res.write(tail);
  }
  if (aborted) pump.cancel();
  res.end();
}

/**
 * The usage to settle for a stream. A stream that broke before its usage: charge the prompt
 * estimate and one token per delta seen.
 */
export function streamedUsage(translator: StreamTranslator, promptEstimate: number): Usage {
  const seen = translator.usage;
  return seen && translator.done
    ? seen
    : {
        promptTokens: seen?.promptTokens || promptEstimate,
        completionTokens: Math.max(seen?.completionTokens ?? 0, translator.deltas),
      };
}
