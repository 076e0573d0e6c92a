/**
 * Import throughput through the edge: a generated orders CSV (one row per order line, POS-like: member id, phone for
 * half the rows, time, store, SKU, category, quantity, price) sent with `npm run import`'s code (scripts/import) to the
 * real worker under wrangler dev on loopback, in the parts the CLI cuts (90,000 rows each). Rows per second over the
 * whole run: parsing, normalising (keyed hashing, scrubbing), Parquet encoding and R2 writes in workerd, gzip and
 * upload in Node on the same cores. Beside it, native DuckDB reading the same CSV into a table (no hashing, no
 * validation): a floor for what "reading a CSV" costs on this machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DEMO, startLocalEdge } from '../harness';
import { sendImport } from '../import/send-import';

export interface ImportBenchResult {
  rows: number;
  orders: number;
  megabytes: number;
  parts: number;
  seconds: number;
  rowsPerSecond: number;
  stored: number;
  rejected: number;
  files: number;
  duckdbSeconds: number;
}

function ordersCsv(rows: number): { text: string; orders: number } {
  const lines = ['order_id,member_id,phone,order_time,store,sku,category,quantity,unit_price,currency'];
  const now = Date.now();
  let order = 0;
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  while (lines.length - 1 < rows) {
    const member = Math.floor(random() * 200_000);
    const time = new Date(now - 2 * 3_600_000 - Math.floor(random() * 300) * 86_400_000 - Math.floor(random() * 86_400_000)).toISOString().slice(0, 19).replace('T', ' ');
    const phone = member % 2 === 0 ? `+86138${String(10_000_000 + member).slice(-8)}` : '';
    const count = 1 + Math.floor(random() * 4);
    for (let l = 0; l < count && lines.length - 1 < rows; l++) {
      lines.push(`B-${order},m-${member},${phone},${time},store-${member % 40},SKU-${Math.floor(random() * 5000)},cat-${Math.floor(random() * 20)},${1 + Math.floor(random() * 3)},${(1 + random() * 200).toFixed(2)},USD`);
    }
    order++;
  }
  return { text: `${lines.join('\n')}\n`, orders: order };
}

export async function benchImportThroughput(options: { rows: number; log: (line: string) => void }): Promise<ImportBenchResult> {
  const { text, orders } = ordersCsv(options.rows);
  const dir = mkdtempSync(join(tmpdir(), 'pa-bench-import-'));
  const file = join(dir, 'orders.csv');
  writeFileSync(file, text);
  options.log(`import: ${options.rows.toLocaleString()} rows (${orders.toLocaleString()} orders, ${(text.length / 1e6).toFixed(1)} MB)`);
  const output: string[] = [];
  const edge = await startLocalEdge({ onOutput: (line) => output.push(line) });
  try {
    const began = performance.now();
    const results = await sendImport(
      { kind: 'orders', file, mapping: null, importId: 'bench-orders', edge: edge.url, site: DEMO.site, token: DEMO.readToken, maxRejectedShare: null, json: false },
      text,
      options.log,
    );
    const seconds = (performance.now() - began) / 1000;
    const duckBegan = performance.now();
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    await connection.run(`CREATE TABLE orders AS SELECT * FROM read_csv('${file.replace(/'/g, "''")}', header = true)`);
    const duckdbSeconds = (performance.now() - duckBegan) / 1000;
    connection.closeSync();
    return {
      rows: options.rows,
      orders,
      megabytes: text.length / 1e6,
      parts: results.length,
      seconds,
      rowsPerSecond: options.rows / seconds,
      stored: results.reduce((n, r) => n + r.answer.import.stored, 0),
      rejected: results.reduce((n, r) => n + r.answer.import.rows.rejected, 0),
      files: results.reduce((n, r) => n + r.answer.import.files, 0),
      duckdbSeconds,
    };
  } catch (error) {
    options.log(`import: failed; the edge's last output:\n${output.slice(-30).join('\n')}`);
    throw error;
  } finally {
    await edge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function importThroughputMarkdown(r: ImportBenchResult): string {
  return `| what | rows | orders | MB | parts | seconds | rows/s |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| \`npm run import\` → edge (wrangler dev), orders | ${r.rows.toLocaleString('en-US')} | ${r.stored.toLocaleString('en-US')} stored | ${r.megabytes.toFixed(1)} | ${r.parts} | ${r.seconds.toFixed(1)} | ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} |
| native DuckDB \`read_csv\` of the same file (1 thread, no hashing or validation) | ${r.rows.toLocaleString('en-US')} | | ${r.megabytes.toFixed(1)} | | ${r.duckdbSeconds.toFixed(1)} | ${Math.round(r.rows / r.duckdbSeconds).toLocaleString('en-US')} |

${r.rejected} rows rejected; ${r.files.toLocaleString('en-US')} event files written (one per date and part). How it is measured: \`scripts/bench/import-throughput.ts\`.`;
}
