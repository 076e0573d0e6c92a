/**
 * Input files for the command line: Parquet files in the product's schema (or directories of them,
 * searched recursively, e.g. the edge's Hive layout site=/date=/hour=/part.parquet) and NDJSON files
 * of Segment-spec messages, validated and normalised by the edge's own code. NDJSON rows go through
 * the edge's Parquet writer and the same Parquet load path, so both kinds of input reach DuckDB alike.
 *
 * Local files are not anonymised unless a key is given: ids pass through unchanged (identityHasher)
 * and free text is not scrubbed. With `anonymiseKey`, ids are HMAC-hashed with it and text is
 * scrubbed, as at the edge. The edge takes country and region from the request; files have no
 * request, so they come from `context.location` (an ISO-3166 alpha-2 country), else the region
 * subtag of `context.locale` ("zh-CN" -> "CN").
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { factsFromMessageTime, messageToRow, type NormaliseOptions } from '@privacy-analytics/core/ingest';
import { HmacIdHasher, identityHasher } from '@privacy-analytics/core/privacy';
import type { EventRow } from '@privacy-analytics/core/schema';
import { encodeRows, errorMessage, InputError, type EventStore } from '@privacy-analytics/core/connectors/node';
import { CsvError, guessKind, parseCsv, tableToMessages, TableMappingError, type ColumnMapping, type TableKind } from '@privacy-analytics/core/imports';

const PARQUET = new Set(['.parquet']);
const NDJSON = new Set(['.ndjson', '.jsonl', '.json']);
const CSV = /\.(csv|tsv)(\.gz)?$/i;
/** Past data: any time from 1970 on (live ingest's floor is 2000-01-01, its window the ingest horizon). */
const EARLIEST_INPUT_MS = Date.UTC(1970, 0, 1);
const CHUNK_ROWS = 64 * 1024;
const SHOWN_BAD_LINES = 10;


export interface InputOptions {
  /** HMAC key: pseudonymise ids and scrub text as the edge does. Default: off. */
  anonymiseKey?: string | undefined;
  /** Site id written to NDJSON rows. */
  site?: string | undefined;
  /** Load the valid lines of NDJSON files with bad lines (they are still reported). */
  skipBadLines?: boolean | undefined;
  /** CSV inputs: the table kind (default guessed per file), a mapping over the suggested one, date order, currency. */
  csvKind?: TableKind | undefined;
  csvMap?: ColumnMapping | undefined;
  dayFirst?: boolean | undefined;
  currency?: string | undefined;
}

/** How one CSV input was read. */
export interface CsvInputReport {
  file: string;
  kind: TableKind;
  /** Field → column used. */
  mapping: ColumnMapping;
  rows: number;
  /** Messages made of the rows (orders: one per order id). */
  messages: number;
}

export interface BadLine {
  file: string;
  line: number;
  reason: string;
}

export interface LoadReport {
  parquetFiles: number;
  ndjsonFiles: number;
  csv: CsvInputReport[];
  rows: number;
  badLines: BadLine[];
}

export interface InputFiles {
  parquet: string[];
  ndjson: string[];
  csv: string[];
}

async function walk(dir: string, into: InputFiles): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, into);
    else if (PARQUET.has(extname(entry.name).toLowerCase())) into.parquet.push(path);
    else if (NDJSON.has(extname(entry.name).toLowerCase())) into.ndjson.push(path);
    else if (CSV.test(entry.name)) into.csv.push(path);
  }
}

export async function discoverInputs(paths: readonly string[]): Promise<InputFiles> {
  const files: InputFiles = { parquet: [], ndjson: [], csv: [] };
  const count = () => files.parquet.length + files.ndjson.length + files.csv.length;
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new InputError(`${path}: no such file or directory`);
    }
    if (info.isDirectory()) {
      const before = count();
      await walk(path, files);
      if (count() === before) throw new InputError(`${path}: the directory holds no .parquet, .ndjson or .csv files`);
    } else if (PARQUET.has(extname(path).toLowerCase())) files.parquet.push(path);
    else if (NDJSON.has(extname(path).toLowerCase())) files.ndjson.push(path);
    else if (CSV.test(path)) files.csv.push(path);
    else throw new InputError(`${path}: unsupported input; expected .parquet files, .ndjson / .jsonl files of Segment messages, .csv / .tsv tables (gzip allowed), or directories of them`);
  }
  return files;
}

export function countryOf(message: Record<string, unknown>): { country: string | null; region: string | null } {
  const context = (message.context ?? {}) as Record<string, unknown>;
  const location = (context.location ?? {}) as Record<string, unknown>;
  const region = typeof location.region === 'string' && location.region !== '' ? location.region.slice(0, 64) : null;
  if (typeof location.country === 'string' && /^[A-Za-z]{2}$/.test(location.country)) return { country: location.country.toUpperCase(), region };
  const locale = typeof context.locale === 'string' ? /^[A-Za-z]{2,3}[-_]([A-Za-z]{2})(?:$|[-_])/.exec(context.locale) : null;
  return { country: locale ? locale[1]!.toUpperCase() : null, region };
}

async function readNdjson(path: string, options: NormaliseOptions, onRows: (rows: EventRow[]) => Promise<void>, bad: BadLine[]): Promise<number> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  let rows: EventRow[] = [];
  let total = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    const fail = (reason: string) => bad.push({ file: path, line: lineNumber, reason });
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      fail(`invalid JSON (${errorMessage(error)})`);
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      fail('not a Segment message: not a JSON object');
      continue;
    }
    const row = await inputMessageToRow(raw as Record<string, unknown>, options);
    if (typeof row === 'string') {
      fail(row);
      continue;
    }
    rows.push(row);
    if (rows.length >= CHUNK_ROWS) {
      await onRows(rows);
      total += rows.length;
      rows = [];
    }
  }
  if (rows.length) {
    await onRows(rows);
    total += rows.length;
  }
  return total;
}

/** One message of an input file as an event row, or why it cannot be one. */
async function inputMessageToRow(raw: Record<string, unknown>, options: NormaliseOptions): Promise<EventRow | string> {
  const facts = factsFromMessageTime(raw, countryOf(raw));
  if (typeof facts === 'string') return facts;
  const outcome = await messageToRow(raw, facts, options);
  return outcome.kind === 'row' ? outcome.row : outcome.reason.replace(/^invalid_message: /, 'not a Segment message: ');
}

/** A CSV table's rows as Order Completed / track messages (core's table mapping), then as event rows. */
async function readCsv(path: string, options: NormaliseOptions, input: InputOptions, onRows: (rows: EventRow[]) => Promise<void>, bad: BadLine[]): Promise<CsvInputReport> {
  let bytes = await readFile(path);
  if (/\.gz$/i.test(path)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new InputError(`${path}: not a gzip file (${errorMessage(error)})`);
    }
  }
  let records;
  try {
    records = parseCsv(bytes.toString('utf8'), path, /\.tsv(\.gz)?$/i.test(path) ? { delimiter: '\t' } : {});
  } catch (error) {
    if (error instanceof CsvError) throw new InputError(error.message);
    throw error;
  }
  const header = records.shift();
  if (!header) throw new InputError(`${path}: empty file; expected a header row naming the columns`);
  const kind = input.csvKind ?? guessKind(header.fields);
  let conversion;
  try {
    conversion = tableToMessages(kind, header.fields, records, input.csvMap, { dayFirst: input.dayFirst, ...(input.currency ? { currency: input.currency } : {}) });
  } catch (error) {
    if (error instanceof TableMappingError) throw new InputError(`${path}: ${error.message}`);
    throw error;
  }
  for (const r of conversion.rejected) bad.push({ file: path, line: r.line, reason: `${r.field}: ${r.reason}` });
  let rows: EventRow[] = [];
  for (const { line, message } of conversion.messages) {
    const row = await inputMessageToRow(message, options);
    if (typeof row === 'string') bad.push({ file: path, line, reason: row });
    else rows.push(row);
    if (rows.length >= CHUNK_ROWS) {
      await onRows(rows);
      rows = [];
    }
  }
  if (rows.length) await onRows(rows);
  return { file: path, kind, mapping: conversion.mapping, rows: records.length, messages: conversion.messages.length };
}

export function describeCsvInputs(reports: readonly CsvInputReport[]): string {
  return reports
    .map((r) => `${r.file}: ${r.kind}, ${r.rows.toLocaleString('en-US')} rows -> ${r.messages.toLocaleString('en-US')} ${r.kind === 'orders' ? 'orders' : 'events'}; columns ${Object.entries(r.mapping).map(([field, column]) => `${field}=${column}`).join(', ')}`)
    .join('\n');
}

export function describeBadLines(bad: readonly BadLine[]): string {
  const shown = bad.slice(0, SHOWN_BAD_LINES).map((b) => `  ${b.file}:${b.line}: ${b.reason}`);
  const more = bad.length > SHOWN_BAD_LINES ? [`  ... and ${bad.length - SHOWN_BAD_LINES} more`] : [];
  return [...shown, ...more].join('\n');
}

/** Replaces the store's events with the inputs' events. Bad NDJSON lines fail the load unless skipBadLines. */
export async function loadInputs(store: EventStore, paths: readonly string[], options: InputOptions = {}): Promise<LoadReport> {
  if (paths.length === 0) throw new InputError('no input: give at least one --input <path>');
  const files = await discoverInputs(paths);
  const normalise: NormaliseOptions = {
    site: options.site ?? 'local',
    hasher: options.anonymiseKey ? new HmacIdHasher(options.anonymiseKey) : identityHasher,
    queryParams: [],
    scrub: options.anonymiseKey !== undefined,
    earliestMs: EARLIEST_INPUT_MS,
  };
  const badLines: BadLine[] = [];
  await store.resetEvents();
  let rows = await store.loadParquetFiles(files.parquet);
  for (const path of files.ndjson) {
    await readNdjson(path, normalise, async (chunk) => void (await store.loadParquetBytes(encodeRows(chunk), path)), badLines);
  }
  const csv: CsvInputReport[] = [];
  for (const path of files.csv) {
    csv.push(await readCsv(path, normalise, options, async (chunk) => void (await store.loadParquetBytes(encodeRows(chunk), path)), badLines));
  }
  if (badLines.length && !options.skipBadLines) {
    throw new InputError(`${badLines.length} bad line${badLines.length === 1 ? '' : 's'} in NDJSON / CSV input:\n${describeBadLines(badLines)}\n(rerun with --skip-bad-lines to load the valid lines)`);
  }
  const [count] = await store.query<{ n: number }>('SELECT count(*)::BIGINT AS n FROM events');
  rows = Number(count?.n ?? 0);
  if (rows === 0) throw new InputError('the inputs hold no events');
  return { parquetFiles: files.parquet.length, ndjsonFiles: files.ndjson.length, csv, rows, badLines };
}

/** loadInputs with the command's input options, telling `err` how CSV inputs were mapped and which lines were skipped. */
export async function loadInputsReporting(store: EventStore, args: InputOptions & { inputs: readonly string[] }, err: (text: string) => void, command: string): Promise<LoadReport> {
  const report = await loadInputs(store, args.inputs, args);
  if (report.csv.length) err(`${command}: read ${describeCsvInputs(report.csv)}\n`);
  if (report.badLines.length) err(`${command}: skipped ${report.badLines.length} bad line(s):\n${describeBadLines(report.badLines)}\n`);
  return report;
}
