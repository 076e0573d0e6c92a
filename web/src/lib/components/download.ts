import type { Row } from '@privacy-analytics/core/engine';
import { columnsOf, toCsv } from '../state/sql-console.svelte.ts';

/** Saves `text` as a file through the browser's download (a blob URL: nothing leaves the page). */
export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const href = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** Rows as a CSV download (formula-safe, see toCsv); columns default to the rows' keys. */
export function downloadCsv(name: string, rows: readonly Row[], columns: readonly string[] = columnsOf(rows)): void {
  downloadText(`${name}-${new Date().toISOString().replaceAll(':', '-').slice(0, 19)}.csv`, toCsv(columns, rows));
}
