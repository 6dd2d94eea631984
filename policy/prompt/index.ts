/**
 * Prompt safety, pure TypeScript (no I/O): the template language and prompt screening.
 *
 *   parseTemplate / checkTemplate / renderTemplate   templates (template.ts)
 *   createScreener / screenText / explainScreen      screening (screen.ts), three layers:
 *                                                    characters, phrases, learned model (model/)
 *   reviewTemplate                                   both, for `sluice validate`
 *
 * See docs/prompt-safety.md.
 */

export type { NormalisedText } from './normalise.ts';
export { normalise } from './normalise.ts';
export type {
  ModelWeights,
  ScreenExplanation,
  Screener,
  ScreenerOptions,
  ScreenFeature,
  ScreenKind,
  ScreenLayer,
  ScreenMode,
  ScreenResult,
  ScreenRule,
  ScreenSpan,
  ScreenVerdict,
  Sensitivity,
} from './screen.ts';
export {
  createScreener,
  DEFAULT_SENSITIVITY,
  decodeModel,
  explainMatch,
  explainScreen,
  SCREEN_RULES,
  SENSITIVITIES,
  screenText,
} from './screen.ts';
export type { TemplateReview } from './screen-template.ts';
export { reviewTemplate } from './screen-template.ts';
export type {
  NameCheck,
  ParsedTemplate,
  TemplateOptions,
  TemplatePart,
  TemplateProblem,
} from './template.ts';
export {
  checkTemplate,
  DEFAULT_TEMPLATE_VARIABLES,
  parseTemplate,
  RESERVED_TEMPLATE_NAMES,
  renderTemplate,
  TemplateError,
  templateLiteralText,
  validateVariableName,
} from './template.ts';
