import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { REPO_ROOT } from '@desk-onvif/test-support';

/**
 * Validators for MediaMTX API answers, from ../shared/reference/mediamtx/openapi.yaml (OpenAPI 3.0:
 * `nullable`, int64 formats). The schemas allow extra keys, so `undeclaredKeys` also reports
 * any key an answer has that the schema does not declare: a misspelt field would otherwise pass.
 */
export const OPENAPI_FILE = join(REPO_ROOT, '..', 'shared', 'reference', 'mediamtx', 'openapi.yaml');
export const haveOpenApi = existsSync(OPENAPI_FILE);

type Schema = { properties?: Record<string, Schema>; items?: Schema; $ref?: string; allOf?: Schema[] };

export function openApiValidator(name: string) {
  // PathTrackCodecProps is a oneOf of shapes that overlap (H264 and H265 props are identical), so
  // "exactly one" can never hold for a real answer: read it as the anyOf it means.
  const text = readFileSync(OPENAPI_FILE, 'utf8').replace(/^(\s+)oneOf:/gm, '$1anyOf:');
  const doc = parse(text) as { components: { schemas: Record<string, Schema> } };
  const schemas = doc.components.schemas;
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  ajv.addFormat('int64', true).addFormat('uint64', true);
  ajv.addSchema({ components: doc.components }, 'openapi');
  const validate = ajv.compile({ $ref: `openapi#/components/schemas/${name}` });

  const resolve = (s: Schema | undefined): Schema | undefined => {
    if (!s) return undefined;
    if (s.$ref) return resolve(schemas[s.$ref.split('/').pop()!]);
    if (!s.properties && s.allOf?.length) return resolve(s.allOf[0]);
    return s;
  };

  const undeclaredKeys = (
    value: unknown,
    schema: Schema | undefined = schemas[name],
    at = name,
  ): string[] => {
    const s = resolve(schema);
    if (!s || value === null || typeof value !== 'object') return [];
    if (Array.isArray(value)) return value.flatMap((v, i) => undeclaredKeys(v, s.items, `${at}[${i}]`));
    if (!s.properties) return [];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      k in s.properties! ? undeclaredKeys(v, s.properties![k], `${at}.${k}`) : [`${at}.${k}`],
    );
  };

  return {
    /** The schema errors of `value`, as readable strings; empty when valid. */
    errors(value: unknown): string[] {
      return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    },
    undeclaredKeys: (value: unknown) => undeclaredKeys(value),
  };
}
