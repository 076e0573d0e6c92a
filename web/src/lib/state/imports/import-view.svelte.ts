import { IMPORT_FIELDS, IMPORT_REQUIRED_FIELDS, suggestImportMapping, type ColumnMapping, type ImportKind } from '@privacy-analytics/core/imports';
import type { ImportAnswer, ImportDryRun, ImportRecord, ImportRejection } from '@privacy-analytics/core/edge-api';
import type { EdgeConnection } from '../../engine/data-engine';
import { EdgeImports } from '../../edge/edge-imports';
import { EdgeRequestError } from '../../engine/errors';
import { AdminSection } from '../admin/admin-state.svelte.ts';
import { guessImportKind, isParquetFile, MAX_IMPORT_FILE_BYTES, PREVIEW_BYTES, PREVIEW_ROWS, PreviewError, previewText, type FilePreview } from './import-preview';

export interface ImportReport {
  rows: { total: number; accepted: number; rejected: number } | null;
  rejected: ImportRejection[];
}

/**
 * The Imports view's state: the chosen file and its preview, the kind and the column mapping (suggested from the
 * header as the edge would, then the user's), the edge's check (a dry run: its validation report) and the commit,
 * and the site's imports with withdrawal (admin). Every request goes to the edge with the connected token.
 */
export class ImportViewState {
  kind = $state<ImportKind>('orders');
  /** field → column ('' unmapped) */
  mapping = $state<ColumnMapping>({});
  importId = $state('');
  readonly check = new AdminSection<ImportDryRun>();
  readonly commit = new AdminSection<ImportAnswer>();
  readonly imports = new AdminSection<ImportRecord[]>();
  #file = $state.raw<File | null>(null);
  #preview = $state.raw<FilePreview | null>(null);
  #fileError = $state<string | null>(null);
  /** the rejections of a refused check or commit (422 answers carry them) */
  #refusedReport = $state.raw<ImportReport | null>(null);
  #edge: EdgeImports | null = null;
  #connectedTo: string | null = null;

  /** `previewParquet`: a Parquet file's columns and first rows as text (the data worker decodes it). */
  constructor(private readonly previewParquet: ((bytes: Uint8Array, rows: number, label: string) => Promise<{ columns: string[]; rows: string[][] }>) | null = null) {}

  get file(): File | null {
    return this.#file;
  }
  get preview(): FilePreview | null {
    return this.#preview;
  }
  get fileError(): string | null {
    return this.#fileError;
  }
  get fields(): string[] {
    return Object.keys(IMPORT_FIELDS[this.kind]);
  }
  get required(): readonly string[] {
    return IMPORT_REQUIRED_FIELDS[this.kind];
  }
  /** Required fields without a column (nothing is sent while there are any). */
  get missing(): string[] {
    return this.required.filter((field) => !this.mapping[field]);
  }
  /** The validation report to show: the last check's, a commit's, or a refusal's. */
  get report(): ImportReport | null {
    if (this.#refusedReport) return this.#refusedReport;
    const answer = this.commit.data ?? this.check.data;
    return answer ? { rows: answer.import.rows, rejected: answer.rejected } : null;
  }

  connect(connection: EdgeConnection): void {
    const key = `${connection.url}|${connection.site}|${connection.token}`;
    if (key === this.#connectedTo) return;
    this.#connectedTo = key;
    this.#edge = new EdgeImports(connection);
    void this.refreshImports();
  }

  async chooseFile(file: File | null): Promise<void> {
    this.#file = file;
    this.#preview = null;
    this.#fileError = null;
    this.#resetAnswers();
    if (!file) return;
    if (file.size > MAX_IMPORT_FILE_BYTES) {
      this.#fileError = `${file.name} has ${file.size.toLocaleString('en')} bytes, more than the 16 MiB one import may; split it into parts (npm run import does) and import each.`;
      return;
    }
    const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
    if (head[0] === 0x1f && head[1] === 0x8b) {
      this.#fileError = `${file.name} is gzipped: the edge reads it, but the dashboard cannot preview it or suggest columns. Unzip it to map its columns here.`;
      return;
    }
    try {
      if (await isParquetFile(file)) {
        if (!this.previewParquet) throw new PreviewError(`${file.name} is a Parquet file: the edge reads it, but this page cannot preview it.`);
        const table = await this.previewParquet(new Uint8Array(await file.arrayBuffer()), PREVIEW_ROWS, file.name);
        this.#preview = { format: 'parquet', columns: table.columns, rows: table.rows };
      } else {
        this.#preview = previewText(await file.slice(0, PREVIEW_BYTES).text(), file.name);
      }
    } catch (error) {
      this.#fileError = error instanceof PreviewError ? error.message : `${file.name} could not be read: ${String(error)}`;
      return;
    }
    this.kind = guessImportKind(this.#preview.columns);
    this.suggest();
  }

  setKind(kind: ImportKind): void {
    this.kind = kind;
    this.#resetAnswers();
    this.suggest();
  }

  setField(field: string, column: string): void {
    this.mapping = { ...this.mapping, [field]: column };
    this.#resetAnswers();
  }

  /** The columns the edge would choose for the kind's fields. */
  suggest(): void {
    const suggested = this.#preview ? suggestImportMapping(this.kind, this.#preview.columns) : {};
    this.mapping = Object.fromEntries(this.fields.map((field) => [field, suggested[field] ?? '']));
  }

  /** Sends the file as a dry run: the edge validates every row and reports, writing nothing. */
  async runCheck(): Promise<boolean> {
    const request = this.#request();
    if (!request) return false;
    this.#resetAnswers();
    return this.check.run('check the file', async () => {
      try {
        this.check.set(await this.#imports().check(request));
      } catch (error) {
        this.#keepRefusedReport(error);
        throw error;
      }
    });
  }

  /** Imports the file (accepted whole with its rejected rows listed, or refused). */
  async runCommit(): Promise<boolean> {
    const request = this.#request();
    if (!request) return false;
    this.#refusedReport = null;
    const ok = await this.commit.run('import the file', async () => {
      try {
        this.commit.set(await this.#imports().commit(request));
      } catch (error) {
        this.#keepRefusedReport(error);
        throw error;
      }
    });
    if (ok) await this.refreshImports();
    return ok;
  }

  refreshImports(): Promise<boolean> {
    return this.imports.run('list the imports', async () => this.imports.set(await this.#imports().list()));
  }

  async withdraw(id: string): Promise<boolean> {
    const ok = await this.imports.run(`withdraw import ${id}`, async () => void (await this.#imports().withdraw(id)));
    if (ok) await this.refreshImports();
    return ok;
  }

  reportCsv(id: string): Promise<string> {
    return this.#imports().report(id);
  }

  #request() {
    if (!this.#file || this.missing.length) return null;
    const mapping = Object.fromEntries(this.fields.map((field) => [field, this.mapping[field] ?? '']));
    return { kind: this.kind, file: this.#file, mapping, ...(this.importId.trim() ? { importId: this.importId.trim() } : {}) };
  }

  #imports(): EdgeImports {
    if (!this.#edge) throw new EdgeRequestError('not connected to an edge', null);
    return this.#edge;
  }

  #resetAnswers(): void {
    this.check.clear();
    this.commit.clear();
    this.#refusedReport = null;
  }

  #keepRefusedReport(error: unknown): void {
    if (!(error instanceof EdgeRequestError) || !error.body || !Array.isArray(error.body.rejected)) return;
    const rows = error.body.rows as ImportReport['rows'];
    this.#refusedReport = { rows: rows ?? null, rejected: error.body.rejected as ImportRejection[] };
  }
}


