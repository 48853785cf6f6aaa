import { z } from 'zod';
import { type ErrorDetail, notFound, validationFailed } from './errors';

/** Parses input with a zod schema; failure is a 400 VALIDATION_FAILED whose details name each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  // One detail per field: the first problem found with it.
  const byField = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) byField.set(at ? `${at}.${key}` : key, 'Unknown field');
    } else if (!byField.has(at || '(body)')) {
      byField.set(at || '(body)', issue.message);
    }
  }
  const details: ErrorDetail[] = [...byField].map(([field, message]) => ({ field, message }));
  throw validationFailed(details);
}

// The one UUID definition of the system (docs/api.md): 8-4-4-4-12 hex digits, any version or variant, any
// case. It accepts every id the services generate and every id already in the database, so a route and a
// consumer can never disagree about an id (zod's z.uuid() refuses e.g. 11111111-1111-1111-1111-111111111111).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

/** A UUID field (query, body or message payload) by that definition, lower-cased as stored. */
export const uuid = z
  .string()
  .refine(isUuid, 'must be a UUID')
  .transform((s) => s.toLowerCase())
  .meta({ format: 'uuid' });

/** A path id that is not a UUID cannot name anything: 404, as the contract says. */
export function parseIdParam(value: string | undefined, what: string): string {
  if (!value || !isUuid(value)) throw notFound(what);
  return value.toLowerCase();
}
