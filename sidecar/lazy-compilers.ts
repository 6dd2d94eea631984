/**
 * Fastify's schema compilers (Ajv and fast-json-stringify, ~95 modules and a few MB of heap),
 * loaded on first use instead of when each Fastify instance is created. The sidecar declares no
 * route schema, so in practice they never load; a route that gains a schema gets Fastify's own
 * default compilers, built with the same arguments (docs/adr/0028-lean-data-plane.md).
 *
 * Pass as `Fastify({ schemaController: lazySchemaCompilers })`.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<Compilers['buildValidator']>;
type SerializerFactory = NonNullable<Compilers['buildSerializer']>;

// Resolved from fastify's own directory: these are its dependencies, not ours.
const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

let validator: ValidatorFactory | undefined;
let serializer: SerializerFactory | undefined;

const buildValidator: ValidatorFactory = (externalSchemas, options) => {
  validator ??= (requireFromFastify('@fastify/ajv-compiler') as () => ValidatorFactory)();
  return validator(externalSchemas, options);
};

const buildSerializer: SerializerFactory = (externalSchemas, options) => {
  serializer ??= (requireFromFastify('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)();
  return serializer(externalSchemas, options);
};

export const lazySchemaCompilers = { compilersFactory: { buildValidator, buildSerializer } };
