import { isUuid, uuid } from '@ebs/contracts';
import type { z } from 'zod';
import { type ErrorDetail, notFound, validationFailed } from '../errors/app-error';

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

// The one UUID definition of the system lives in @ebs/contracts (routes and consumers share it).
export { isUuid, uuid };

/** A path id that is not a UUID cannot name anything: 404, as the contract says. */
export function parseIdParam(value: string | undefined, what: string): string {
  if (!value || !isUuid(value)) throw notFound(what);
  return value.toLowerCase();
}
