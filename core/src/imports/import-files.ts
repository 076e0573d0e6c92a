/**
 * Where imports live in R2 and how their files are recognised.
 *
 * Orders and customers become event rows, so their files are event files, beside the live ones and listed in the
 * manifest like them (one day-level file per date of the import):
 *   events/site=<site>/date=<YYYY-MM-DD>/imp.<kind>.<import id>.parquet
 * Every reader, retention, erasure (which rewrites a file as `imp.<kind>.<id>-e<8 hex>.parquet`), export and backup
 * treats them as events; compaction leaves them alone, so an import can be withdrawn file by file.
 *
 * Ad-spend reports are a table of their own (ad-spend.ts), listed in the manifest's `tables`:
 *   imports/ad_spend/site=<site>/date=<YYYY-MM-DD>/<import id>.parquet
 */
export const IMPORT_KINDS = ['orders', 'customers', 'ad_spend'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];
/** The import kinds whose rows are events. */
export type EventImportKind = Exclude<ImportKind, 'ad_spend'>;

/** An import id: given by the uploader, or `sha-` and 32 hex digits of the body's SHA-256. */
export const IMPORT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ERASURE_SUFFIX = /-e[0-9a-f]{8}$/;

/** Why `id` cannot be an import id, or null. */
export function importIdProblem(id: string): string | null {
  if (!IMPORT_ID.test(id)) return `"${id.slice(0, 80)}": an import id is 1 to 64 letters, digits, "_" or "-"`;
  if (ERASURE_SUFFIX.test(id)) return `"${id}": an import id may not end in -e and 8 hex digits (the suffix of rewritten files)`;
  return null;
}

export function importEventFileName(kind: EventImportKind, importId: string): string {
  return `imp.${kind}.${importId}`;
}

const IMPORT_EVENT_FILE = /\/imp\.(orders|customers)\.([A-Za-z0-9_-]{1,64}?)(-e[0-9a-f]{8})?\.parquet$/;

/** The import an event file key belongs to (after erasure rewrites too), or null for a live event file. */
export function importOfEventKey(key: string): { kind: EventImportKind; importId: string } | null {
  const match = IMPORT_EVENT_FILE.exec(key);
  return match ? { kind: match[1] as EventImportKind, importId: match[2]! } : null;
}

/** The manifest's `kind` of an event file: `import:orders`, `import:customers`, or `events` for live events. */
export function manifestKindOf(key: string): 'events' | `import:${EventImportKind}` {
  const owner = importOfEventKey(key);
  return owner ? `import:${owner.kind}` : 'events';
}

export const AD_SPEND_TABLE_KEY = /^imports\/ad_spend\/site=([a-z0-9][a-z0-9_-]{0,62})\/date=(\d{4}-\d{2}-\d{2})\/([A-Za-z0-9_-]{1,64})\.parquet$/;

export function adSpendTableKey(site: string, date: string, importId: string): string {
  return `imports/ad_spend/site=${site}/date=${date}/${importId}.parquet`;
}

export function parseAdSpendTableKey(key: string): { site: string; date: string; importId: string } | null {
  const match = AD_SPEND_TABLE_KEY.exec(key);
  return match ? { site: match[1]!, date: match[2]!, importId: match[3]! } : null;
}
