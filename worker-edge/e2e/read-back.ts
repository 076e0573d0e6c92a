import { tableFromIPC } from '@uwdata/flechette';
import { readParquet } from 'parquet-wasm/node';
import type { EventRow } from '@privacy-analytics/core/schema';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';

/** Forces a flush with the admin token, then reads every row back through the manifest and file endpoints. */
export async function flushAndReadBack(edgeUrl: string, site: string, tokens: { admin: string; read: string }): Promise<EventRow[]> {
  const flushed = await fetch(`${edgeUrl}/v1/sites/${site}/flush`, { method: 'POST', headers: { authorization: `Bearer ${tokens.admin}` } });
  if (!flushed.ok) throw new Error(`flush: ${flushed.status} ${await flushed.text()}`);
  return readBack(edgeUrl, site, tokens.read);
}

export async function readBack(edgeUrl: string, site: string, readToken: string): Promise<EventRow[]> {
  const auth = { authorization: `Bearer ${readToken}` };
  const res = await fetch(`${edgeUrl}/v1/sites/${site}/manifest`, { headers: auth });
  if (!res.ok) throw new Error(`manifest: ${res.status} ${await res.text()}`);
  const { files } = (await res.json()) as { files: ManifestEntry[] };
  const rows: EventRow[] = [];
  for (const file of files) {
    const body = await fetch(`${edgeUrl}/v1/sites/${site}/files/${file.key}`, { headers: auth });
    if (!body.ok) throw new Error(`file ${file.key}: ${body.status}`);
    rows.push(...readBackRows(new Uint8Array(await body.arrayBuffer())));
  }
  return rows;
}

export function readBackRows(bytes: Uint8Array): EventRow[] {
  const table = readParquet(bytes);
  return tableFromIPC(table.intoIPCStream(), { useDate: false }).toArray() as unknown as EventRow[];
}
