/**
 * `sluice prompt-check [--jsonl FILE] [--summary] [--deny-phrase TEXT]…`
 *
 * Screens JSON lines {"id", "text", "kind": "query" | "template"} from FILE or stdin and writes
 * one JSON line per input: {"id", "verdict": "allow" | "reject", "rule"}. Templates are checked
 * as `sluice validate` checks them: syntax first (rule "template_invalid" when it fails), then
 * the literal text is screened as kind "template".
 *
 * A line that is not valid JSON or lacks a field gets {"id", "line", "error": {code, message}}
 * and the run goes on; the exit code is then 1. Usage errors and an unreadable FILE exit 2.
 * With --summary and lines labelled "label": "attack" | "benign", a last line
 * {"summary": {total, attacks, benign, true_positives, false_positives, false_negatives,
 * precision, recall, false_positive_rate}} is printed (rates are null when undefined).
 */

import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { SluiceError } from '../policy/errors.ts';
import { createScreener, reviewTemplate, type Screener } from '../policy/prompt/index.ts';

export interface PromptCheckIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const USAGE = `Usage: sluice prompt-check [--jsonl FILE] [--summary] [--deny-phrase TEXT]...

Reads JSON lines {"id", "text", "kind": "query"|"template"[, "label": "attack"|"benign"]}
from FILE (or stdin) and prints {"id", "verdict", "rule"} per line.

  --jsonl FILE        read FILE instead of stdin
  --summary           print precision/recall over labelled lines at the end
  --deny-phrase TEXT  an extra phrase to reject (repeatable), as a policy's denyPhrases
  -h, --help          show this help

Exit status: 0 all lines screened, 1 some lines were invalid, 2 usage error or unreadable file.
`;

interface Tally {
  total: number;
  attacks: number;
  benign: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

type Outcome =
  | {
      readonly ok: true;
      readonly id: string | number;
      readonly verdict: 'allow' | 'reject';
      readonly rule: string | null;
      readonly label?: 'attack' | 'benign';
    }
  | { readonly ok: false; readonly id: string | number | null; readonly error: SluiceError };

function invalid(id: string | number | null, lineNumber: number, why: string): Outcome {
  return { ok: false, id, error: new SluiceError('SLUICE_FILE_UNREADABLE', `line ${lineNumber}: ${why}`) };
}

function screenLine(line: string, lineNumber: number, screener: Screener): Outcome {
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
  if (kind === 'template') {
    const review = reviewTemplate(text, screener);
    verdict = review.ok ? 'allow' : 'reject';
    rule = review.problems.length > 0 ? 'template_invalid' : review.screen.rule;
  } else {
    const result = screener.screen(text, 'query');
    verdict = result.verdict === 'reject' ? 'reject' : 'allow';
    rule = result.rule;
  }
  return label === undefined ? { ok: true, id, verdict, rule } : { ok: true, id, verdict, rule, label };
}

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;
}

async function* linesOf(file: string | undefined, stdin: NodeJS.ReadableStream): AsyncGenerator<string> {
  if (file !== undefined) {
    const content = await readFile(file, 'utf8');
    for (const line of content.split(/\r?\n/)) yield line;
    return;
  }
  yield* createInterface({ input: stdin, crlfDelay: Number.POSITIVE_INFINITY });
}

export async function promptCheck(argv: string[], io: PromptCheckIo): Promise<number> {
  let values: { jsonl?: string; summary?: boolean; 'deny-phrase'?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        jsonl: { type: 'string' },
        summary: { type: 'boolean' },
        'deny-phrase': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    await write(io.stderr, `${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    await write(io.stdout, USAGE);
    return 0;
  }

  let screener: Screener;
  try {
    screener = createScreener({ denyPhrases: values['deny-phrase'] ?? [] });
  } catch (error) {
    const sluice =
      error instanceof SluiceError ? error : new SluiceError('SLUICE_CONFIG_INVALID', String(error));
    await write(io.stderr, `${JSON.stringify(sluice.toJSON())}\n`);
    return 2;
  }

  const tally: Tally = {
    total: 0,
    attacks: 0,
    benign: 0,
    truePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
  };
  let failed = false;
  let lineNumber = 0;
  try {
    for await (const line of linesOf(values.jsonl, io.stdin)) {
      lineNumber++;
      if (line.trim().length === 0) continue;
      const outcome = screenLine(line, lineNumber, screener);
      if (!outcome.ok) {
        failed = true;
        await write(
          io.stdout,
          `${JSON.stringify({ id: outcome.id, line: lineNumber, ...outcome.error.toJSON() })}\n`,
        );
        continue;
      }
      await write(
        io.stdout,
        `${JSON.stringify({ id: outcome.id, verdict: outcome.verdict, rule: outcome.rule })}\n`,
      );
      if (outcome.label === undefined) continue;
      tally.total++;
      const rejected = outcome.verdict === 'reject';
      if (outcome.label === 'attack') {
        tally.attacks++;
        if (rejected) tally.truePositives++;
        else tally.falseNegatives++;
      } else {
        tally.benign++;
        if (rejected) tally.falsePositives++;
      }
    }
  } catch (error) {
    const detail = `${values.jsonl ?? 'stdin'}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    await write(io.stderr, `${JSON.stringify(new SluiceError('SLUICE_FILE_UNREADABLE', detail).toJSON())}\n`);
    return 2;
  }

  if (values.summary) {
    const summary = {
      total: tally.total,
      attacks: tally.attacks,
      benign: tally.benign,
      true_positives: tally.truePositives,
      false_positives: tally.falsePositives,
      false_negatives: tally.falseNegatives,
      precision: ratio(tally.truePositives, tally.truePositives + tally.falsePositives),
      recall: ratio(tally.truePositives, tally.attacks),
      false_positive_rate: ratio(tally.falsePositives, tally.benign),
    };
    await write(io.stdout, `${JSON.stringify({ summary })}\n`);
  }
  return failed ? 1 : 0;
}
