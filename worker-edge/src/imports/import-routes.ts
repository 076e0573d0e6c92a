/**
 * Imports through the edge (docs/imports.md): POST /v1/sites/<site>/imports takes a CSV or NDJSON file of orders,
 * customers or ad spend; GET lists and inspects imports and their validation reports; DELETE withdraws one (admin).
 * An import is accepted whole (its rejected rows listed) or refused with the reason; nothing partial is ever listed.
 */
import type { ImportAnswer, ImportDryRun, ImportRecord, ImportRejection, ImportTableEntry, ManifestEntry } from '@privacy-analytics/core/edge-api';
import {
  adSpendTableKey,
  encodeAdSpendParquet,
  IMPORT_KINDS,
  importEventFileName,
  importIdProblem,
  parseMappingText,
  TableMappingError,
  type AdSpendRow,
  type ColumnMapping,
  type ImportKind,
} from '@privacy-analytics/core/imports';
import { dayFileKey } from '@privacy-analytics/core/parquet';
import type { EventRow } from '@privacy-analytics/core/schema';
import type { AccessGrant } from '../access/site-access';
import { loadSitesConfig } from '../config/sites';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { hasherFor } from '../ingest/ingest-route';
import { effectiveRetention, retentionCutoff } from '../lifecycle/retention-policy';
import { PARQUET_CONTENT_TYPE, putEventFileWithRollup, sha256OfBytes, withRollupKeys } from '../storage/event-file-store';
import { parquetForWorkers } from '../storage/parquet-wasm-workers';
import { alertsOf, catalogOf } from '../stubs';
import { importFormat, parseImportTable, readImportBody } from './import-body';
import { convertImport, scrubbedRejections } from './import-convert';

/** Rejections in the POST answer; the report (GET …/report) has all that are kept. */
const ANSWER_REJECTIONS = 1_000;
/** Dates (files) per import: each is an R2 write (two for events, with the rollup). */
export const MAX_IMPORT_DATES = 1_000;
const DEFAULT_MAX_REJECTED_SHARE = 0.5;

export async function handleCreateImport(request: Request, url: URL, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const now = Date.now();
  const site = grant.site;
  const kind = parseKind(url.searchParams.get('kind'));
  const mapping = parseMapping(url.searchParams.get('mapping'));
  const maxRejectedShare = parseShare(url.searchParams.get('maxRejectedShare'));
  const dryRun = parseDryRun(url.searchParams.get('dryRun'));
  const givenId = url.searchParams.get('importId');
  if (givenId !== null) {
    const problem = importIdProblem(givenId);
    if (problem) throw new HttpError(400, 'invalid_parameter', `importId: ${problem}`);
  }
  if (site.mode !== 'pseudonymous') {
    throw new HttpError(409, 'imports_need_pseudonymous', `site "${site.id}" is cookieless: its ids are hashed with a salt that lives two days, so imported persons could never meet online ones`);
  }
  const { text, bytes } = await readImportBody(request);
  const sha256 = await sha256OfBytes(bytes);
  const importId = givenId ?? `sha-${sha256.slice(0, 32)}`;
  const catalog = catalogOf(env, site.id);
  const earlier = await catalog.importById(importId);
  const table = parseImportTable({ text, bytes }, importFormat(url.searchParams.get('format'), request.headers.get('content-type'), text));
  if (earlier) {
    const answer = repeated(earlier, sha256, await catalog.importRejections(importId), site.id);
    if (!dryRun) return jsonResponse(answer, 200, headers);
    const dry: ImportDryRun = { dryRun: true, import: dryRecord(earlier), repeated: true, columns: table.header, rejected: answer.rejected };
    return jsonResponse(dry, 200, { ...headers, 'cache-control': 'no-store' });
  }

  const policy = effectiveRetention(site.retentionDays, await catalog.retentionOverride());
  const converted = await convertImport(kind, table, mapping, {
    site: site.id,
    importId,
    hasher: await hasherFor(site, env, now),
    queryParams: site.queryParams,
    phoneCountryCode: site.phoneCountryCode,
    now,
    retentionCutoff: retentionCutoff(now, policy.retentionDays),
    importedOrders: (ids) => catalog.importedOrders(ids),
  });
  const rejected = scrubbedRejections(converted.rejected);
  const rejectedLines = new Set(rejected.map((r) => r.line)).size;
  const total = table.rows.length;
  const stored = kind === 'ad_spend' ? converted.adSpend.length : converted.events.length;
  const report = { rejected: rejected.slice(0, ANSWER_REJECTIONS), rows: { total, accepted: total - rejectedLines, rejected: rejectedLines }, mapping: converted.mapping };
  if (stored === 0) throw new HttpError(422, 'nothing_to_import', `none of the ${total} rows can be imported; the report says why`, report);
  if (rejectedLines / total > maxRejectedShare) {
    throw new HttpError(422, 'too_many_rejected', `${rejectedLines} of ${total} rows are rejected, more than maxRejectedShare ${maxRejectedShare}; fix the file or the mapping (the report says why), or raise maxRejectedShare`, report);
  }
  if (dryRun) {
    const dates = [...(kind === 'ad_spend' ? byDate(converted.adSpend, (row) => row.date) : byDate(converted.events, (row) => new Date(row.timestamp).toISOString().slice(0, 10))).keys()].sort();
    const dry: ImportDryRun = {
      dryRun: true,
      import: { id: importId, kind, sha256, mapping: converted.mapping, rows: report.rows, stored, files: dates.length, from: dates[0] ?? null, to: dates.at(-1) ?? null },
      repeated: false,
      columns: table.header,
      rejected: report.rejected,
    };
    return jsonResponse(dry, 200, { ...headers, 'cache-control': 'no-store' });
  }

  const objectKeys: string[] = [];
  let written: Written;
  try {
    written = kind === 'ad_spend' ? await writeAdSpend(env, site.id, importId, converted.adSpend, objectKeys) : await writeEventFiles(env, site.id, kind, importId, converted.events, objectKeys);
  } catch (error) {
    // Nothing partial: what was written before the failure goes (retention would only find it after the cutoff).
    await env.EVENTS.delete(objectKeys).catch(() => undefined);
    throw error;
  }
  const dates = written.dates.sort();
  const record: Omit<ImportRecord, 'status' | 'withdrawnAt' | 'withdrawnBy'> = {
    id: importId,
    kind,
    sha256,
    mapping: converted.mapping,
    rows: report.rows,
    stored,
    files: dates.length,
    from: dates[0] ?? null,
    to: dates.at(-1) ?? null,
    createdAt: new Date(now).toISOString(),
    createdBy: grant.tokenId,
  };
  const commit = await catalog.commitImport(
    { record, rejections: rejected, orderIds: converted.orderIds, tables: written.tables },
    written.entries,
    { action: 'import.create', actor: grant.tokenId, details: { importId, kind, role: grant.role, rows: total, accepted: record.rows.accepted, rejected: rejectedLines, stored, files: dates.length, from: record.from, to: record.to } },
  );
  if (!commit.committed) {
    await env.EVENTS.delete(objectKeys);
    if (commit.existing) return jsonResponse(repeated(commit.existing, sha256, await catalog.importRejections(importId), site.id), 200, headers);
    throw new HttpError(409, 'import_conflict', `another import brought ${commit.conflicts.length} of these orders meanwhile (e.g. ${commit.conflicts[0]}); send the file again to see them as rejected rows`);
  }
  if (kind === 'ad_spend') await feedAdMetricRules(env, site.id, importId, converted.adSpend, now);
  const answer: ImportAnswer = { import: { ...record, status: 'active', withdrawnAt: null, withdrawnBy: null }, repeated: false, rejected: report.rejected, report: reportPath(site.id, importId) };
  return jsonResponse(answer, 201, headers);
}

/**
 * The ad-metric alert rules (impressions, clicks, ctr, spend) read daily totals kept by SiteAlerts; they are judged as
 * the import lands. The import is committed already: a failure here is logged, not answered (the cron evaluation
 * judges the day later if the totals were recorded before the failure).
 */
async function feedAdMetricRules(env: Env, site: string, importId: string, rows: AdSpendRow[], now: number): Promise<void> {
  try {
    await alertsOf(env, site).recordAdReport(site, importId, rows, now);
  } catch (error) {
    console.error(JSON.stringify({ error: 'ad_report_totals', site, importId, message: String(error) }));
  }
}

function dryRecord(record: ImportRecord): ImportDryRun['import'] {
  const { id, kind, sha256, mapping, rows, stored, files, from, to } = record;
  return { id, kind, sha256, mapping, rows, stored, files, from, to };
}

/** The earlier import of the same file; another file under its id, or a withdrawn one, is refused. */
function repeated(earlier: ImportRecord, sha256: string, rejected: ImportRejection[], site: string): ImportAnswer {
  if (earlier.sha256 !== sha256) {
    throw new HttpError(409, 'import_id_taken', `import ${earlier.id} exists with other content (${earlier.kind}, ${earlier.createdAt}); choose another importId`);
  }
  if (earlier.status !== 'active') throw new HttpError(409, 'import_withdrawn', `import ${earlier.id} was withdrawn at ${earlier.withdrawnAt}; to import the file again, give it another importId`);
  return { import: earlier, repeated: true, rejected: rejected.slice(0, ANSWER_REJECTIONS), report: reportPath(site, earlier.id) };
}

interface Written {
  dates: string[];
  entries: ManifestEntry[];
  tables: ImportTableEntry[];
}

function byDate<T>(items: readonly T[], dateOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const date = dateOf(item);
    const group = groups.get(date);
    if (group) group.push(item);
    else groups.set(date, [item]);
  }
  if (groups.size > MAX_IMPORT_DATES) {
    throw new HttpError(413, 'too_many_dates', `the rows span ${groups.size} dates, more than the ${MAX_IMPORT_DATES} an import may (one file per date); split the file by period`);
  }
  return groups;
}

/** Writes one day-level event file per date; `objectKeys` collects every object written (rollups too), for cleanup. */
async function writeEventFiles(env: Env, site: string, kind: 'orders' | 'customers', importId: string, rows: EventRow[], objectKeys: string[]): Promise<Written> {
  const groups = byDate(rows, (row) => new Date(row.timestamp).toISOString().slice(0, 10));
  const written: Written = { dates: [], entries: [], tables: [] };
  const name = importEventFileName(kind, importId);
  for (const [date, group] of groups) {
    group.sort((a, b) => a.timestamp - b.timestamp || (a.event_id < b.event_id ? -1 : 1));
    const key = dayFileKey(site, date, name);
    objectKeys.push(...withRollupKeys([key]));
    written.entries.push(await putEventFileWithRollup(env.EVENTS, key, group));
    written.dates.push(date);
  }
  return written;
}

async function writeAdSpend(env: Env, site: string, importId: string, rows: AdSpendRow[], objectKeys: string[]): Promise<Written> {
  const groups = byDate(rows, (row) => row.date);
  const written: Written = { dates: [], entries: [], tables: [] };
  const parquet = parquetForWorkers();
  for (const [date, group] of groups) {
    const key = adSpendTableKey(site, date, importId);
    const bytes = encodeAdSpendParquet(group, parquet);
    const sha256 = await sha256OfBytes(bytes);
    objectKeys.push(key);
    const object = await env.EVENTS.put(key, bytes, { sha256, httpMetadata: { contentType: PARQUET_CONTENT_TYPE }, customMetadata: { rows: String(group.length), table: 'ad_spend', importId, sha256 } });
    written.tables.push({ kind: 'import:ad_spend', key, importId, date, bytes: bytes.byteLength, rows: group.length, etag: object.httpEtag, sha256, createdAt: new Date().toISOString() });
    written.dates.push(date);
  }
  return written;
}

export async function handleListImports(url: URL, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const raw = url.searchParams.get('limit');
  const limit = raw === null ? 100 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, 'invalid_parameter', `limit: expected 1 to 1000, got "${String(raw).slice(0, 20)}"`);
  return jsonResponse({ site: grant.site.id, imports: await catalogOf(env, grant.site.id).listImports(limit) }, 200, { ...headers, 'cache-control': 'no-store' });
}

export async function handleGetImport(env: Env, grant: AccessGrant, id: string, headers: Record<string, string>): Promise<Response> {
  const record = await requireImport(env, grant.site.id, id);
  return jsonResponse({ import: record, report: reportPath(grant.site.id, id) }, 200, { ...headers, 'cache-control': 'no-store' });
}

/** GET …/imports/<id>/report: the rejected rows as CSV (line, field, reason). */
export async function handleImportReport(env: Env, grant: AccessGrant, id: string, headers: Record<string, string>): Promise<Response> {
  await requireImport(env, grant.site.id, id);
  const rows = await catalogOf(env, grant.site.id).importRejections(id);
  const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const csv = ['line,field,reason', ...rows.map((r) => `${r.line},${quote(r.field)},${quote(r.reason)}`)].join('\n') + '\n';
  return new Response(csv, {
    status: 200,
    headers: { ...headers, 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="import-${id}-report.csv"`, 'cache-control': 'no-store' },
  });
}

/** DELETE …/imports/<id> (admin): unlists the import's files and tables, then deletes them. */
export async function handleWithdrawImport(env: Env, grant: AccessGrant, id: string, headers: Record<string, string>): Promise<Response> {
  const record = await requireImport(env, grant.site.id, id);
  if (record.status !== 'active') throw new HttpError(409, 'import_withdrawn', `import ${id} was withdrawn at ${record.withdrawnAt}`);
  const keys = await catalogOf(env, grant.site.id).withdrawImport(id, record.kind, grant.tokenId, {
    action: 'import.withdraw',
    actor: grant.tokenId,
    details: { importId: id, kind: record.kind, rows: record.stored },
  });
  if (keys === null) throw new HttpError(409, 'import_withdrawn', `import ${id} is no longer active`);
  if (record.kind === 'ad_spend') await alertsOf(env, grant.site.id).removeAdReport(id);
  const objects = keys.flatMap((key) => (key.startsWith('events/') ? withRollupKeys([key]) : [key]));
  for (let i = 0; i < objects.length; i += 1000) await env.EVENTS.delete(objects.slice(i, i + 1000));
  const after = await catalogOf(env, grant.site.id).importById(id);
  return jsonResponse({ import: after, filesDeleted: keys.length }, 200, headers);
}

async function requireImport(env: Env, site: string, id: string): Promise<ImportRecord> {
  const problem = importIdProblem(id);
  if (problem) throw new HttpError(400, 'invalid_parameter', `import id: ${problem}`);
  const record = await catalogOf(env, site).importById(id);
  if (!record) throw new HttpError(404, 'not_found', `no import "${id}"`);
  return record;
}

function reportPath(site: string, id: string): string {
  return `/v1/sites/${site}/imports/${id}/report`;
}

function parseKind(raw: string | null): ImportKind {
  if (raw !== null && (IMPORT_KINDS as readonly string[]).includes(raw)) return raw as ImportKind;
  throw new HttpError(400, 'invalid_parameter', `kind: expected one of ${IMPORT_KINDS.join(', ')}, got ${raw === null ? 'none' : `"${raw.slice(0, 40)}"`}`);
}

/** `mapping`: a JSON object {"field":"Column"} or `field=Column,field=Column`; absent: suggested from the header. */
function parseMapping(raw: string | null): ColumnMapping {
  if (raw === null || raw.trim() === '') return {};
  if (raw.length > 4000) throw new HttpError(400, 'invalid_mapping', 'mapping: longer than 4000 characters');
  if (raw.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'invalid_mapping', 'mapping: not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
      throw new HttpError(400, 'invalid_mapping', 'mapping: expected an object of field → column name (strings)');
    }
    return parsed as ColumnMapping;
  }
  try {
    return parseMappingText(raw);
  } catch (error) {
    if (error instanceof TableMappingError) throw new HttpError(400, 'invalid_mapping', error.message);
    throw error;
  }
}

function parseDryRun(raw: string | null): boolean {
  if (raw === null || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1' || raw === '') return true;
  throw new HttpError(400, 'invalid_parameter', `dryRun: expected true or false, got "${raw.slice(0, 20)}"`);
}

function parseShare(raw: string | null): number {
  if (raw === null) return DEFAULT_MAX_REJECTED_SHARE;
  const share = Number(raw);
  if (raw.trim() === '' || !(share >= 0 && share <= 1)) throw new HttpError(400, 'invalid_parameter', `maxRejectedShare: expected a number from 0 to 1, got "${raw.slice(0, 20)}"`);
  return share;
}

