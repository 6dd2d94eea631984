/**
 * Open-loop, seeded load: each tenant's requests arrive as a Poisson process at its rate (the
 * way independent users arrive), never waiting for answers — a closed loop would slow down with
 * the server and hide the latency we came to measure. Every request is recorded.
 */
import { Agent, request } from 'undici';
import { mulberry32 } from '../../policy/seeded-random.ts';

export interface Sample {
  tenant: string;
  /** ms since the phase started, when the request was sent. */
  at: number;
  /** ms until the answer ended (or until the client gave up). */
  latencyMs: number;
  /** HTTP status; 0 = the client gave up (timeout) or the connection failed. */
  status: number;
  /** The sluice-capped header, if any. */
  capped: string | null;
}

export interface Arrival {
  tenant: string;
  apiKey: string;
  rps: number;
}

/** Arrival times (ms) of a Poisson process at `rps` over `durationMs`. Pure. */
export function poissonArrivals(rps: number, durationMs: number, random: () => number): number[] {
  const times: number[] = [];
  let t = 0;
  for (;;) {
    t += (-Math.log(1 - random()) / rps) * 1000;
    if (t >= durationMs) return times;
    times.push(t);
  }
}

export interface LoadOptions {
  url: string;
  durationMs: number;
  seed: number;
  /** A request still unanswered this long is given up (status 0). */
  timeoutMs: number;
  body: (tenant: string, i: number) => Record<string, unknown>;
  onSample?: (sample: Sample) => void;
  /** performance.now() the phase's times count from; default: when runLoad is called. */
  start?: number;
  /** Called at an arrival instant (ms since start) — for phases that change things mid-run. */
  events?: { atMs: number; run: () => void | Promise<void> }[];
}

const agent = new Agent({ connections: 512, keepAliveTimeout: 10_000 });

export async function runLoad(arrivals: Arrival[], options: LoadOptions): Promise<Sample[]> {
  const samples: Sample[] = [];
  const schedule: { at: number; arrival: Arrival; i: number }[] = [];
  arrivals.forEach((arrival, k) => {
    const random = mulberry32(options.seed * 1_000 + k);
    poissonArrivals(arrival.rps, options.durationMs, random).forEach((at, i) => {
      schedule.push({ at, arrival, i });
    });
  });
  schedule.sort((a, b) => a.at - b.at);
  const start = options.start ?? performance.now();
  const pending: Promise<void>[] = [];
  const events = [...(options.events ?? [])].sort((a, b) => a.atMs - b.atMs);

  const send = async (at: number, arrival: Arrival, i: number) => {
    const sent = performance.now();
    let status = 0;
    let capped: string | null = null;
    try {
      const response = await request(options.url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${arrival.apiKey}` },
        body: JSON.stringify(options.body(arrival.tenant, i)),
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.body.dump();
      status = response.statusCode;
      const header = response.headers['sluice-capped'];
      capped = typeof header === 'string' ? header : null;
    } catch {
      status = 0; // timed out or refused: the user got nothing
    }
    const sample = { tenant: arrival.tenant, at, latencyMs: performance.now() - sent, status, capped };
    samples.push(sample);
    options.onSample?.(sample);
  };

  for (const { at, arrival, i } of schedule) {
    while (events.length > 0 && events[0]!.atMs <= at) pending.push(Promise.resolve(events.shift()!.run()));
    const wait = start + at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(at, arrival, i));
  }
  for (const event of events) {
    const wait = start + event.atMs - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(Promise.resolve(event.run()));
  }
  const tail = start + options.durationMs - performance.now();
  if (tail > 1) await new Promise((r) => setTimeout(r, tail));
  await Promise.all(pending);
  return samples;
}
