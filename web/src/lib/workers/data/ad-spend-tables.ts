/**
 * The imported ad-spend tables of a range (the manifest's `tables`, docs/imports.md) as the DuckDB table `ad_spend`
 * (AD_SPEND_COLUMNS), replaced whole on every load: they are small (one row per date, platform, campaign and ad
 * group) and downloaded again each time (no cache), so a withdrawn import's spend is gone at the next load.
 */
import { z } from 'zod';
import { AD_SPEND_COLUMNS } from '@privacy-analytics/core/imports';
import { importTableEntrySchema } from '@privacy-analytics/core/edge-api';
import type { ColumnSpec } from '@privacy-analytics/core/schema';
import type { DateRange, EdgeConnection } from '../../engine/data-engine';
import { EdgeClient } from '../../edge/edge-client';
import type { DuckDbSession } from './duckdb-session';
import { decodeEventsParquet } from './parquet-decoder';

export const AD_SPEND_TABLE = 'ad_spend';
const COLUMNS: ColumnSpec[] = AD_SPEND_COLUMNS.map((c) => ({ name: c.name, kind: c.kind, nullable: true, doc: c.doc }));
const SQL_TYPES = { string: 'VARCHAR', float64: 'DOUBLE' } as const;
const tablesSchema = z.object({ tables: z.array(importTableEntrySchema).max(100_000).optional() });

export async function loadAdSpendTables(session: DuckDbSession, conn: EdgeConnection, range: DateRange): Promise<{ files: number; rows: number }> {
  const client = new EdgeClient(conn);
  const listing = tablesSchema.parse(await client.json(`manifest?from=${range.from}&to=${range.to}&limit=1`, 'manifest'));
  const entries = (listing.tables ?? []).filter((t) => t.kind === 'import:ad_spend');
  const signal = AbortSignal.timeout(120_000);
  const decoded = [];
  for (const entry of entries) decoded.push(await decodeEventsParquet((await client.file(entry.key, signal)).bytes, COLUMNS, entry.key));
  const columns = AD_SPEND_COLUMNS.map((c) => `"${c.name}" ${SQL_TYPES[c.kind]}`).join(', ');
  await session.execAll([`CREATE OR REPLACE TABLE ${AD_SPEND_TABLE} (${columns})`]);
  let rows = 0;
  for (const file of decoded) {
    if (file.rows === 0) continue;
    await session.insertIpc(`${AD_SPEND_TABLE}_staging`, file.ipc, true);
    const names = file.names.map((n) => `"${n}"`).join(', ');
    await session.execAll([`INSERT INTO ${AD_SPEND_TABLE} (${names}) SELECT ${names} FROM ${AD_SPEND_TABLE}_staging`, `DROP TABLE ${AD_SPEND_TABLE}_staging`]);
    rows += file.rows;
  }
  return { files: decoded.length, rows };
}
