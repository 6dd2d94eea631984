/**
 * `kubectl sluice top`: tenants ranked by requests, rejections, LLM tokens or cost over the last
 * N minutes, from the sidecars' activity counters in Redis or from Prometheus; --watch refreshes
 * like `kubectl top` under `watch`.
 */
import { SluiceError } from '../../../policy/errors.ts';
import {
  ACTIVITY_MEASURES,
  type ActivityWindow,
  type Measure,
  readPrometheusActivity,
  readRedisActivity,
} from '../activity.ts';
import type { Command, CommandContext } from '../command.ts';
import { json, table, thousands, usd, yaml } from '../output.ts';
import { connectRedis, REDIS_FLAGS, type RedisView } from '../stores.ts';

export const top: Command = {
  name: 'top',
  positionals: [],
  flags: [
    {
      name: 'minutes',
      type: 'int',
      min: 1,
      max: 60,
      default: 5,
      placeholder: 'N',
      help: 'window, in minutes (1..60)',
    },
    {
      name: 'sort-by',
      type: 'enum',
      values: ACTIVITY_MEASURES.map((m) => m.key),
      default: 'requests',
      placeholder: ACTIVITY_MEASURES.map((m) => m.key).join('|'),
      help: 'rank by',
    },
    {
      name: 'shadow',
      type: 'boolean',
      help: 'rank by shadow decisions (what limits in shadow mode would have refused) and show them',
    },
    {
      name: 'limit',
      type: 'int',
      min: 1,
      max: 10_000,
      default: 20,
      placeholder: 'N',
      help: 'show the first N tenants',
    },
    {
      name: 'prometheus',
      type: 'string',
      placeholder: 'URL',
      env: ['SLUICE_PROMETHEUS_URL'],
      help: 'read the counters from this Prometheus (its HTTP API) instead of Redis',
    },
    ...REDIS_FLAGS,
    { name: 'watch', short: 'w', type: 'boolean', help: 'refresh every --interval until interrupted' },
    {
      name: 'interval',
      type: 'duration',
      default: '5s',
      placeholder: 'DURATION',
      help: 'refresh period of --watch',
    },
    {
      name: 'iterations',
      type: 'int',
      min: 0,
      max: 1_000_000,
      default: 0,
      placeholder: 'N',
      help: 'with --watch: stop after N refreshes (0 = never)',
    },
    {
      name: 'output',
      short: 'o',
      type: 'enum',
      values: ['table', 'json', 'yaml'],
      default: 'table',
      placeholder: 'table|json|yaml',
      help: 'output format',
    },
  ],
  examples: [
    'kubectl sluice top --redis-url redis://127.0.0.1:6379',
    'kubectl sluice top --sort-by rejected --minutes 15 --watch',
    'kubectl sluice top --prometheus http://127.0.0.1:9090 --sort-by cost',
    'kubectl sluice top --shadow --minutes 60',
  ],
  notes: [
    'Redis: sidecars add what their counters gained to per-minute hashes every 5 s, so the newest few seconds may be missing. Requests are all ingress requests; rejected are those Sluice refused; tokens and cost are LLM calls through the egress; shadow are refusals that limits in shadow mode let pass (docs/operations.md, "First rollout in shadow").',
  ],
  run,
};

async function run(ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const prometheus = v['prometheus'] as string | undefined;
  const redisUrl = v['redis-url'] as string | undefined;
  if (!prometheus && !redisUrl) {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      'top needs where the sidecars count: --redis-url (or REDIS_URL) or --prometheus URL',
    );
  }
  const view: RedisView | null = prometheus
    ? null
    : await connectRedis(redisUrl!, v['redis-prefix'] as string);
  const minutes = v['minutes'] as number;
  const watch = v['watch'] === true;
  const iterations = v['iterations'] as number;
  const tty = (ctx.io.stdout as { isTTY?: boolean }).isTTY === true;
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  if (watch) process.once('SIGINT', onSignal);
  try {
    for (let i = 1; ; i++) {
      const window = prometheus
        ? await readPrometheusActivity(prometheus, minutes, ctx.now())
        : await readRedisActivity(view!, minutes);
      const text = render(ctx, window, minutes);
      if (watch && tty) ctx.io.stdout.write('\x1b[H\x1b[2J');
      else if (watch && i > 1) ctx.io.stdout.write('\n');
      ctx.io.stdout.write(text);
      if (!watch || stop || (iterations > 0 && i >= iterations)) return 0;
      await ctx.sleep(v['interval'] as number);
      if (stop) return 0;
    }
  } finally {
    process.off('SIGINT', onSignal);
    view?.close();
  }
}

function render(ctx: CommandContext, window: ActivityWindow, minutes: number): string {
  const shadow = ctx.values['shadow'] === true;
  const sortBy = shadow ? 'shadow' : (ctx.values['sort-by'] as Measure['key']);
  const rows = [...window.rows]
    .sort((a, b) => b[sortBy] - a[sortBy] || b.requests - a.requests || a.tenantId.localeCompare(b.tenantId))
    .slice(0, ctx.values['limit'] as number);
  const seconds = Math.max(1, (window.to - window.from) / 1000);
  const output = ctx.values['output'];
  if (output === 'json' || output === 'yaml') {
    const doc = {
      kind: 'TenantActivity',
      window: { minutes, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
      source: window.source,
      sortBy,
      items: rows.map((r) => ({
        tenantId: r.tenantId,
        requests: r.requests,
        requestsPerSecond: Number((r.requests / seconds).toFixed(3)),
        rejected: r.rejected,
        tokens: r.tokens,
        costMicroUsd: r.cost,
        shadow: r.shadow,
      })),
    };
    return output === 'json' ? json(doc) : yaml(doc);
  }
  const title = `Tenants by ${sortBy}, last ${minutes} min (${new Date(window.from).toISOString().slice(11, 19)}–${new Date(window.to).toISOString().slice(11, 19)} UTC), from ${window.source}\n`;
  if (rows.length === 0) return `${title}No tenant activity in this window.\n`;
  // The shadow columns only when asked for: most installations have no limit in shadow.
  const withShadow = sortBy === 'shadow';
  return (
    title +
    table(
      [
        'tenant',
        'req/s',
        'requests',
        'rejected',
        'rejected %',
        ...(withShadow ? ['shadow'] : []),
        'llm tokens',
        'llm cost',
      ],
      rows.map((r) => [
        r.tenantId,
        (r.requests / seconds).toFixed(2),
        thousands(r.requests),
        thousands(r.rejected),
        percent(r.rejected, r.requests),
        ...(withShadow ? [thousands(r.shadow)] : []),
        thousands(r.tokens),
        usd(r.cost),
      ]),
    )
  );
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}
