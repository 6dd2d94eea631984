/** The noisy-neighbor scenario file: schema, defaults and QUICK shortening. Pure. */
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { SluiceError } from '../../policy/errors.ts';

const Load = Type.Object(
  {
    tenant: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }),
    apiKey: Type.String({ minLength: 1 }),
    rps: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
  },
  { additionalProperties: false },
);

const Phases = Type.Object(
  {
    baselineSeconds: Type.Number({ minimum: 1, maximum: 3600 }),
    heavySeconds: Type.Number({ minimum: 1, maximum: 3600 }),
    breakingPoint: Type.Object(
      {
        rates: Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 1000 }), { minItems: 1, maxItems: 20 }),
        stepSeconds: Type.Number({ minimum: 1, maximum: 600 }),
      },
      { additionalProperties: false },
    ),
    emergencySeconds: Type.Number({ minimum: 2, maximum: 600 }),
  },
  { additionalProperties: false },
);

export const ScenarioSchema = Type.Object(
  {
    seed: Type.Integer({ minimum: 0 }),
    sloP95Ms: Type.Number({ exclusiveMinimum: 0 }),
    app: Type.Object(
      {
        concurrency: Type.Integer({ minimum: 1, maximum: 1000 }),
        latencyMs: Type.Number({ minimum: 0, maximum: 60_000 }),
        maxTokens: Type.Integer({ minimum: 1, maximum: 100_000 }),
      },
      { additionalProperties: false },
    ),
    sidecar: Type.Object(
      { maxConcurrency: Type.Integer({ minimum: 1, maximum: 10_000 }) },
      { additionalProperties: false },
    ),
    tenants: Type.Array(Load, { minItems: 1, maxItems: 50 }),
    heavy: Load,
    phases: Phases,
    quick: Type.Optional(Phases),
  },
  { additionalProperties: false },
);

export type Scenario = Static<typeof ScenarioSchema>;
export type TenantLoad = Static<typeof Load>;

const check = new Ajv({ allErrors: true }).compile(ScenarioSchema);

/** Validates a parsed scenario; QUICK replaces the phases by the `quick` ones. */
export function parseScenario(value: unknown, options: { quick: boolean }): Scenario {
  if (!check(value)) {
    const detail = (check.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
      .join('; ');
    throw new SluiceError('SLUICE_FILE_UNREADABLE', `scenario is not valid: ${detail}`);
  }
  const scenario = value as Scenario;
  return options.quick && scenario.quick ? { ...scenario, phases: scenario.quick } : scenario;
}
