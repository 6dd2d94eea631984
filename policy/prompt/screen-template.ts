/**
 * What `sluice validate` runs on each template of a policy: the syntax check and the screening of
 * its literal text (kind "template"), in one call, reporting both.
 */

import type { Screener, ScreenResult } from './screen.ts';
import {
  checkTemplate,
  type TemplateOptions,
  type TemplateProblem,
  templateLiteralText,
} from './template.ts';

export interface TemplateReview {
  /** Syntax problems (empty when the template parses). */
  readonly problems: TemplateProblem[];
  /** Screening of the literal text; span offsets are offsets into the template source. */
  readonly screen: ScreenResult;
  /** True when there are no problems and screening did not reject. */
  readonly ok: boolean;
}

export function reviewTemplate(
  source: string,
  screener: Screener,
  options?: TemplateOptions,
): TemplateReview {
  const problems = checkTemplate(source, options);
  const screen = screener.screen(templateLiteralText(source), 'template');
  return { problems, screen, ok: problems.length === 0 && screen.verdict !== 'reject' };
}
