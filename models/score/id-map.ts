/**
 * The id map stored beside a recommender (`<name>.ids.json`): which person and product each ONNX index
 * means. Person row 0 is the unknown person; row i + 1 is `persons[i]`. Item index j is `items[j]`.
 * The model's metadata holds a checksum of the map, so a map from another training run is refused.
 */
import { z } from 'zod';

export interface RecommenderIds {
  format: number;
  /** Person keys (user id, else anonymous id, as in the analytics' identity map). */
  persons: string[];
  /** Product ids. */
  items: string[];
  /** Category names by index; 0 is "(unknown)". */
  categories: string[];
  /** Category of each item. */
  itemCategories: string[];
}

const idsSchema = z.strictObject({
  format: z.number().int(),
  persons: z.array(z.string()).max(16_000_000),
  items: z.array(z.string()).min(1).max(16_000_000),
  categories: z.array(z.string()),
  itemCategories: z.array(z.string()),
});

export class IdMapError extends Error {
  override name = 'IdMapError';
}

/** FNV-1a (32-bit) over the persons and items, as hex: cheap, synchronous, the same in Node and browsers. */
export function idMapChecksum(ids: Pick<RecommenderIds, 'persons' | 'items'>): string {
  let hash = 0x811c9dc5;
  const feed = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    hash ^= 0x1f;
    hash = Math.imul(hash, 0x01000193);
  };
  for (const p of ids.persons) feed(p);
  feed('\u0000items');
  for (const item of ids.items) feed(item);
  return `${ids.persons.length}-${ids.items.length}-${(hash >>> 0).toString(16).padStart(8, '0')}`;
}

/** Parses an id map and checks it against the model's metadata. */
export function parseIdMap(json: unknown, expected: { persons: number; items: number; idsChecksum: string }, label = 'id map'): RecommenderIds {
  const parsed = idsSchema.safeParse(json);
  if (!parsed.success) throw new IdMapError(`${label}: not a recommender id map (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const ids = parsed.data;
  if (ids.itemCategories.length !== ids.items.length) throw new IdMapError(`${label}: ${ids.itemCategories.length} item categories for ${ids.items.length} items`);
  if (ids.persons.length !== expected.persons || ids.items.length !== expected.items || idMapChecksum(ids) !== expected.idsChecksum) {
    throw new IdMapError(
      `${label} does not belong to this model: it maps ${ids.persons.length} persons and ${ids.items.length} items (checksum ${idMapChecksum(ids)}), the model has ${expected.persons} and ${expected.items} (checksum ${expected.idsChecksum})`,
    );
  }
  return ids;
}
