import { z } from 'zod';

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

// A request id a caller or a publisher sends is kept only when it is sane (no spaces, no control characters,
// at most 128 characters); otherwise the receiver makes its own.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const isSaneRequestId = (value: string | undefined): value is string =>
  value !== undefined && SANE_REQUEST_ID.test(value);
