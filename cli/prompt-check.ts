/**
 * `sluice prompt-check [--jsonl FILE] [--summary] [--explain] [--sensitivity S] [--phrases-only]
 *                      [--quiet] [--deny-phrase TEXT]…` (flags: prompt-check-settings.ts)
 *
 * Screens JSON lines {"id", "text", "kind": "query" | "template"} from FILE or stdin and writes
 * one JSON line per input: {"id", "verdict": "allow" | "reject", "rule", "layer", "score",
 * "unsure"}. Templates are checked as `sluice validate` checks them: syntax first (rule
 * "template_invalid" when it fails), then the literal text is screened as kind "template".
 * A policy declares the variables its templates may use; prompt-check has no policy, so every
 * well-formed variable name a template uses counts as declared (`{{ticket_body}}` is fine,
 * `{{Ticket}}` or an unclosed `{{` is not).
 *
 * --explain adds {"explain": {layer, rule, phrase, reported, score, logit, threshold, unsure_at,
 * window, features, normalised}} to each line: which layer fired, the phrase or the model's top
 * features, and what the screener read.
 *
 * A line that is not valid JSON or lacks a field gets {"id", "line", "error": {code, message}}
 * and the run goes on; the exit code is then 1. Usage errors and an unreadable FILE exit 2.
 * With --summary and lines labelled "label": "attack" | "benign", summary lines follow:
 * {"summary": {total, attacks, benign, true_positives, false_positives, false_negatives,
 * precision, recall, false_positive_rate}} (rates are null when undefined), then one
 * {"summary_by": "lang" | "category", "key", …same fields} per language and per category of the
 * lines that carry "lang" / "category".
 */

import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { SluiceError } from '../policy/errors.ts';
import {
  createScreener,
  decodeModel,
  explainScreen,
  reviewTemplate,
  type ScreenExplanation,
  type Screener,
  type ScreenerOptions,
  templateLiteralText,
} from '../policy/prompt/index.ts';
import { commandSettings } from './lib/settings/command.ts';
import { parseSettings } from './lib/settings/parse.ts';
import { PROMPT_CHECK_SETTINGS } from './prompt-check-settings.ts';

export interface PromptCheckIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const USAGE =
  '[--jsonl FILE] [--summary] [--explain] [--sensitivity low|medium|high] [--deny-phrase TEXT]... [flags]';

const ABOUT = `Reads JSON lines {"id", "text", "kind": "query"|"template"[, "label": "attack"|"benign",
"lang", "category"]} from --jsonl FILE (or stdin) and prints {"id", "verdict", "rule", "layer",
"score", "unsure"} per line.

Exit status: 0 all lines screened, 1 some lines were invalid, 2 usage error or unreadable file.`;

interface Tally {
  total: number;
  attacks: number;
  benign: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

const emptyTally = (): Tally => ({
  total: 0,
  attacks: 0,
  benign: 0,
  truePositives: 0,
  falsePositives: 0,
  falseNegatives: 0,
});

type Outcome =
  | {
      readonly ok: true;
      readonly id: string | number;
      readonly verdict: 'allow' | 'reject';
      readonly rule: string | null;
      readonly layer: string | null;
      readonly score: number | null;
      readonly unsure: boolean;
      readonly label?: 'attack' | 'benign';
      readonly lang: string | null;
      readonly category: string | null;
      readonly explain?: ScreenExplanation;
    }
  | { readonly ok: false; readonly id: string | number | null; readonly error: SluiceError };

function invalid(id: string | number | null, lineNumber: number, why: string): Outcome {
  return { ok: false, id, error: new SluiceError('SLUICE_FILE_UNREADABLE', `line ${lineNumber}: ${why}`) };
}

interface Checker {
  readonly screener: Screener;
  readonly options: ScreenerOptions;
  readonly explain: boolean;
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function screenLine(line: string, lineNumber: number, checker: Checker): Outcome {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return invalid(null, lineNumber, 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid(null, lineNumber, 'expected a JSON object');
  }
  const record = value as Record<string, unknown>;
  const id = typeof record['id'] === 'string' || typeof record['id'] === 'number' ? record['id'] : null;
  if (id === null) return invalid(null, lineNumber, '"id" must be a string or a number');
  const text = record['text'];
  if (typeof text !== 'string') return invalid(id, lineNumber, '"text" must be a string');
  const kind = record['kind'];
  if (kind !== 'query' && kind !== 'template')
    return invalid(id, lineNumber, '"kind" must be "query" or "template"');
  const label = record['label'];
  if (label !== undefined && label !== 'attack' && label !== 'benign') {
    return invalid(id, lineNumber, '"label" must be "attack" or "benign" when present');
  }
  let verdict: 'allow' | 'reject';
  let rule: string | null;
  let layer: string | null;
  let score: number | null;
  let unsure: boolean;
  if (kind === 'template') {
    const review = reviewTemplate(text, checker.screener, { allowedVariables: 'any' });
    verdict = review.ok ? 'allow' : 'reject';
    rule = review.problems.length > 0 ? 'template_invalid' : review.screen.rule;
    layer = review.problems.length > 0 ? 'template' : review.screen.layer;
    ({ score, unsure } = review.screen);
  } else {
    const result = checker.screener.screen(text, 'query');
    verdict = result.verdict === 'reject' ? 'reject' : 'allow';
    ({ rule, layer, score, unsure } = result);
  }
  const explain = checker.explain
    ? explainScreen(kind === 'template' ? templateLiteralText(text) : text, { ...checker.options, kind })
    : undefined;
  return {
    ok: true,
    id,
    verdict,
    rule,
    layer,
    score: score === null ? null : Math.round(score * 10_000) / 10_000,
    unsure,
    ...(label === undefined ? {} : { label }),
    lang: optionalString(record['lang']),
    category: optionalString(record['category']),
    ...(explain ? { explain } : {}),
  };
}

/** Streams whose reader went away (`sluice prompt-check … | head`): further output is dropped. */
const closed = new WeakSet<NodeJS.WritableStream>();

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (closed.has(stream)) return;
  try {
    if (!stream.write(text)) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
    closed.add(stream);
  }
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;
}

function rates(t: Tally): Record<string, number | null> {
  return {
    total: t.total,
    attacks: t.attacks,
    benign: t.benign,
    true_positives: t.truePositives,
    false_positives: t.falsePositives,
    false_negatives: t.falseNegatives,
    precision: ratio(t.truePositives, t.truePositives + t.falsePositives),
    recall: ratio(t.truePositives, t.attacks),
    false_positive_rate: ratio(t.falsePositives, t.benign),
  };
}

function count(t: Tally, label: 'attack' | 'benign', rejected: boolean): void {
  t.total++;
  if (label === 'attack') {
    t.attacks++;
    if (rejected) t.truePositives++;
    else t.falseNegatives++;
  } else {
    t.benign++;
    if (rejected) t.falsePositives++;
  }
}

async function* linesOf(file: string | null, stdin: NodeJS.ReadableStream): AsyncGenerator<string> {
  if (file !== null) {
    const content = await readFile(file, 'utf8');
    for (const line of content.split(/\r?\n/)) yield line;
    return;
  }
  yield* createInterface({ input: stdin, crlfDelay: Number.POSITIVE_INFINITY });
}

function explainJson(e: ScreenExplanation): Record<string, unknown> {
  return {
    layer: e.result.layer,
    rule: e.result.rule,
    phrase: e.phrase,
    reported: e.reported,
    score: e.result.score === null ? null : Math.round(e.result.score * 10_000) / 10_000,
    logit: e.logit,
    threshold: e.threshold,
    unsure_at: e.unsureAt,
    window: e.window,
    features: e.features.map((f) => [f.feature, f.weight]),
    normalised: e.normalised,
  };
}

export async function promptCheck(
  argv: string[],
  io: PromptCheckIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const read = commandSettings(
    'sluice prompt-check',
    USAGE,
    PROMPT_CHECK_SETTINGS,
    argv,
    io,
    (warn) => {
      const { values, warnings } = parseSettings(PROMPT_CHECK_SETTINGS, argv, env);
      warnings.forEach(warn);
      return values;
    },
    ABOUT,
  );
  if ('exit' in read) return read.exit;
  const values = read.settings;

  let checker: Checker;
  try {
    const options: ScreenerOptions = {
      denyPhrases: values.denyPhrases,
      sensitivity: values.sensitivity,
      ...(values.model ? { weights: decodeModel(await readFile(values.model)) } : {}),
      model: !values.phrasesOnly,
    };
    checker = { screener: createScreener(options), options, explain: values.explain };
  } catch (error) {
    const sluice =
      error instanceof SluiceError ? error : new SluiceError('SLUICE_CONFIG_INVALID', String(error));
    await write(io.stderr, `${JSON.stringify(sluice.toJSON())}\n`);
    return 2;
  }

  // A reader that stops early (EPIPE) is not an error: stop writing and finish quietly.
  const onError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') closed.add(io.stdout);
  };
  // Left attached: a write that fails after the last line still reports its EPIPE here.
  io.stdout.on('error', onError);
  return check(values, checker, io);
}

async function check(
  values: { jsonl: string | null; summary: boolean; quiet: boolean },
  checker: Checker,
  io: PromptCheckIo,
): Promise<number> {
  const tally = emptyTally();
  const byLang = new Map<string, Tally>();
  const byCategory = new Map<string, Tally>();
  let failed = false;
  let lineNumber = 0;
  try {
    for await (const line of linesOf(values.jsonl, io.stdin)) {
      if (closed.has(io.stdout)) break;
      lineNumber++;
      if (line.trim().length === 0) continue;
      const outcome = screenLine(line, lineNumber, checker);
      if (!outcome.ok) {
        failed = true;
        await write(
          io.stdout,
          `${JSON.stringify({ id: outcome.id, line: lineNumber, ...outcome.error.toJSON() })}\n`,
        );
        continue;
      }
      if (!values.quiet) {
        const out: Record<string, unknown> = {
          id: outcome.id,
          verdict: outcome.verdict,
          rule: outcome.rule,
          layer: outcome.layer,
          score: outcome.score,
          unsure: outcome.unsure,
        };
        if (outcome.explain) out['explain'] = explainJson(outcome.explain);
        await write(io.stdout, `${JSON.stringify(out)}\n`);
      }
      if (outcome.label === undefined) continue;
      const rejected = outcome.verdict === 'reject';
      count(tally, outcome.label, rejected);
      for (const [map, key] of [
        [byLang, outcome.lang],
        [byCategory, outcome.category],
      ] as const) {
        if (key === null) continue;
        let t = map.get(key);
        if (!t) {
          t = emptyTally();
          map.set(key, t);
        }
        count(t, outcome.label, rejected);
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE' || closed.has(io.stdout)) return failed ? 1 : 0;
    const detail = `${values.jsonl ?? 'stdin'}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    await write(io.stderr, `${JSON.stringify(new SluiceError('SLUICE_FILE_UNREADABLE', detail).toJSON())}\n`);
    return 2;
  }

  if (values.summary) {
    await write(io.stdout, `${JSON.stringify({ summary: rates(tally) })}\n`);
    for (const [by, map] of [
      ['lang', byLang],
      ['category', byCategory],
    ] as const) {
      for (const key of [...map.keys()].sort()) {
        await write(io.stdout, `${JSON.stringify({ summary_by: by, key, ...rates(map.get(key)!) })}\n`);
      }
    }
  }
  return failed ? 1 : 0;
}
