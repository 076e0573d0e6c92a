/**
 * Imports a file of orders, customers or ad spend through the edge (the only place holding the site's hashing key)
 * and prints its validation report.
 *
 *   npm run import -- orders --file pos.csv [--mapping user=Member,time=Date] [--edge URL --site ID --token T]
 *
 * Defaults are the local demo's (npm run demo). Exit codes: 0 imported, 1 refused or failed, 2 bad arguments.
 */
import { parseImportArgs, USAGE, UsageError } from './import/args';
import { ImportRefused, readImportFile, sendImport, type PartResult } from './import/send-import';

const SHOWN_REJECTIONS = 20;

export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let options;
  try {
    options = parseImportArgs(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      log(`import: ${error.message}\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    log(USAGE);
    return 0;
  }
  let text: string;
  try {
    text = await readImportFile(options.file);
  } catch (error) {
    log(`import: cannot read ${options.file}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    const results = await sendImport(options, text, log);
    if (options.json) out(JSON.stringify(results.map((r) => r.answer), null, 2));
    else for (const line of report(results, options.edge)) out(line);
    return 0;
  } catch (error) {
    if (error instanceof ImportRefused) {
      if (options.json) out(JSON.stringify(error.body, null, 2));
      log(`import: refused: ${error.message}`);
      const rejected = Array.isArray(error.body.rejected) ? (error.body.rejected as { line: number; field: string; reason: string }[]) : [];
      for (const r of rejected.slice(0, SHOWN_REJECTIONS)) log(`  line ${r.line}  ${r.field}: ${r.reason}`);
      return 1;
    }
    log(`import: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

export function report(results: readonly PartResult[], edge: string): string[] {
  const lines: string[] = [];
  const total = results.reduce((n, r) => n + r.answer.import.rows.total, 0);
  const accepted = results.reduce((n, r) => n + r.answer.import.rows.accepted, 0);
  const stored = results.reduce((n, r) => n + r.answer.import.stored, 0);
  const first = results[0]!.answer.import;
  const ids = results.map((r) => r.answer.import.id);
  const repeated = results.every((r) => r.answer.repeated);
  lines.push(`${repeated ? 'already imported' : 'imported'} ${first.kind} ${ids.length === 1 ? ids[0] : `${ids[0]} … ${ids.at(-1)} (${ids.length} parts)`}: ${accepted} of ${total} rows accepted, ${total - accepted} rejected; ${stored} ${first.kind === 'orders' ? 'orders' : first.kind === 'customers' ? 'customers' : 'ad-spend rows'} stored`);
  const from = results.map((r) => r.answer.import.from).filter((d): d is string => d !== null).sort()[0];
  const to = results.map((r) => r.answer.import.to).filter((d): d is string => d !== null).sort().at(-1);
  if (from) lines.push(`dates ${from} … ${to}; mapping ${Object.entries(first.mapping).map(([f, c]) => `${f}=${c}`).join(',')}`);
  const rejected = results.flatMap((r) => r.answer.rejected.map((x) => ({ ...x, line: r.lineOf(x.line) })));
  if (rejected.length) {
    lines.push(`rejected rows (line in the file, field: reason)${rejected.length > SHOWN_REJECTIONS ? `, first ${SHOWN_REJECTIONS}` : ''}:`);
    for (const r of rejected.slice(0, SHOWN_REJECTIONS)) lines.push(`  line ${r.line}  ${r.field}: ${r.reason}`);
  }
  for (const r of results) if (r.answer.import.rows.rejected > 0) lines.push(`report: ${edge}${r.answer.report}`);
  return lines;
}

const entry = (process.argv[1] ?? '').replace(/\\/g, '/');
if (/\/import\.(ts|js|mjs)$/.test(entry)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`import: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
