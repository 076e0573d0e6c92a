import Dexie, { type EntityTable } from 'dexie';

export type SavedKind = 'report' | 'segment';

/** A saved analysis (a view's spec) or a saved segment, kept in this browser only. */
export interface SavedItem {
  id?: number;
  kind: SavedKind;
  /** the view it belongs to, e.g. 'funnels'; segments use 'segments' */
  view: string;
  name: string;
  /** the spec as the view's analysis takes it (plain JSON) */
  spec: unknown;
  savedAt: number;
}

export const SAVED_DATABASE_NAME = 'pa-saved';

class SavedDb extends Dexie {
  items!: EntityTable<SavedItem, 'id'>;

  constructor(name: string) {
    super(name);
    this.version(1).stores({ items: '++id, [kind+view], name' });
  }
}

const MAX_NAME = 120;

/** Saved reports and segments in IndexedDB (Dexie). Names are unique per kind and view: saving again replaces. */
export class SavedReports {
  #db: SavedDb;

  constructor(name = SAVED_DATABASE_NAME) {
    this.#db = new SavedDb(name);
  }

  async list(kind: SavedKind, view: string): Promise<SavedItem[]> {
    const items = await this.#db.items.where('[kind+view]').equals([kind, view]).toArray();
    return items.sort((a, b) => a.name.localeCompare(b.name));
  }

  async save(kind: SavedKind, view: string, name: string, spec: unknown): Promise<SavedItem> {
    const trimmed = name.trim();
    if (!trimmed) throw new Error('give the saved item a name');
    if (trimmed.length > MAX_NAME) throw new Error(`the name has ${trimmed.length} characters, at most ${MAX_NAME}`);
    const plain = JSON.parse(JSON.stringify(spec)) as unknown;
    return this.#db.transaction('rw', this.#db.items, async () => {
      const existing = (await this.#db.items.where('[kind+view]').equals([kind, view]).toArray()).find((i) => i.name === trimmed);
      const item: SavedItem = { kind, view, name: trimmed, spec: plain, savedAt: Date.now(), ...(existing?.id === undefined ? {} : { id: existing.id }) };
      const id = await this.#db.items.put(item);
      return { ...item, id };
    });
  }

  async remove(id: number): Promise<void> {
    await this.#db.items.delete(id);
  }

  async clear(): Promise<void> {
    await this.#db.items.clear();
  }
}
