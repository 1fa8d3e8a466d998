import { Ajv } from 'ajv';
import { batchSchemaV1, type ValidationError } from 'cryscope/protocol';

/**
 * The published JSON Schema of cryscope.batch/1 (web/src/protocol/schema.ts, also in the
 * OpenAPI document), compiled once with Ajv. The API enforces it on every batch IN ADDITION to
 * validateBatch (which the browser runs too, has the human messages and the rules JSON Schema
 * cannot say: end >= start, offset needs end, days that exist in their month). So a client
 * that validates against the published schema and the server can never disagree silently:
 * whichever is stricter, the server refuses.
 *
 * Ajv options: allErrors to name every problem; no type coercion or defaults (the body is
 * checked as sent); patterns with the "u" flag (Ajv's default), which the version/time
 * patterns need to match per code point.
 */
const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false });
const validate = ajv.compile(batchSchemaV1);

/** Problems the JSON Schema finds (JSON pointers and Ajv's messages), or [] when it passes. */
export function schemaProblems(body: unknown): ValidationError[] {
  if (validate(body)) return [];
  return (validate.errors ?? []).slice(0, 50).map((e) => ({
    path: e.instancePath,
    message: `${e.message ?? 'is invalid'} (JSON Schema ${e.schemaPath})`,
  }));
}
