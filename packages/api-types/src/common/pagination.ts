import { z } from "zod";

// Pagination of list endpoints.

/** Most items one page holds. */
export const MAX_PAGE_SIZE = 100;

/**
 * Query of a paginated list: `limit` (1-100, default 50; from a query string, its digits) and
 * the opaque `cursor` a previous page returned.
 */
export const paginationQuerySchema = z.strictObject({
  limit: z
    .union([
      z.int(),
      z
        .string()
        .regex(/^\d{1,4}$/, { message: "must be a whole number" })
        .transform(Number),
    ])
    .pipe(z.int().min(1).max(MAX_PAGE_SIZE))
    .default(50),
  cursor: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[A-Za-z0-9_-]+$/, { message: "must be a cursor from a previous page" })
    .optional(),
});
export type PaginationQuery = z.infer<typeof paginationQuerySchema>;

/** A page of `item`s and the cursor of the next page (`null` on the last). */
export function pageSchema<Item extends z.ZodType>(item: Item) {
  return z.object({
    items: z.array(item).max(MAX_PAGE_SIZE),
    nextCursor: z.string().min(1).max(512).nullable(),
  });
}
