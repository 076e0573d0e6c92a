/**
 * Downloads a date range of a site's Parquet files from the edge for offline analysis (the
 * dashboard's local-file mode, DuckDB, pandas), verifying every file's size and SHA-256.
 *
 *   npm run export -- --site demo --from 2026-11-01 --to 2026-11-30 --out exports/demo [--edge URL] [--token TOKEN]
 *
 * Resumable: files already present with the right checksum are skipped. Exit codes: 0 ok,
 * 2 bad arguments, 1 anything else (unreachable edge, refused token, a file failing verification).
 */
import { parseExportArgs, USAGE, UsageError } from './export/args';
import { ensureOutDir, ExportError, exportRange } from './export/export-range';

export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let parsed;
  try {
    parsed = parseExportArgs(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      log(`export: ${error.message}\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (parsed === 'help') {
    log(USAGE);
    return 0;
  }
  try {
    await ensureOutDir(parsed.out);
    const summary = await exportRange(parsed, log);
    if (summary.failures.length > 0) {
      log(`export: ${summary.failures.length} of ${summary.files} files failed verification or download; nothing was marked complete. Run the same command again to retry.`);
      return 1;
    }
    const mb = (summary.bytes / 1e6).toFixed(1);
    log(`export: ${summary.files} files (${summary.rows} rows, ${mb} MB) in ${parsed.out}: ${summary.downloaded} downloaded, ${summary.skipped} already present, ${summary.repaired} repaired, ${summary.removedStale} stale removed`);
    if (summary.unverified > 0) log(`export: ${summary.unverified} files predate checksums; their size was verified, not their SHA-256`);
    return 0;
  } catch (error) {
    if (error instanceof ExportError) {
      log(`export: ${error.message}`);
      return 1;
    }
    log(`export: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

const entry = (process.argv[1] ?? '').replace(/\\/g, '/');
if (/\/export\.(ts|js|mjs)$/.test(entry)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`export: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
