import { z } from 'zod';

// ?limit= (1-100, default 20) and ?offset= (0-100000, default 0: a list cannot force deep scans); anything
// else is a 400. Spread into a z.strictObject, so an unknown (or wrongly cased) parameter is a 400 too.
const wholeNumber = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a whole number')
  .transform(Number);

export const MAX_OFFSET = 100_000;

export const paginationQuery = {
  limit: wholeNumber.pipe(z.number().min(1).max(100)).default(20),
  offset: wholeNumber.pipe(z.number().min(0).max(MAX_OFFSET)).default(0),
};

export type Page = { limit: number; offset: number };
export type Paginated<T> = { data: T[]; pagination: { limit: number; offset: number; total: number } };

export function paginated<T>(data: T[], page: Page, total: number): Paginated<T> {
  return { data, pagination: { limit: page.limit, offset: page.offset, total } };
}
