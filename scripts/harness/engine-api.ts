/** Helpers to drive the engine facade inside the harness page (window.pa / window.engine). */
import type { Page } from 'playwright-core';
import type { DataEngine, DataEngineOptions, LoadResult } from '@privacy-analytics/web/engine';
import type { ModelEngine, ModelEngineOptions } from '@privacy-analytics/web/ml';

declare global {
  interface Window {
    pa: {
      createDataEngine(options?: DataEngineOptions): DataEngine;
      createModelEngine(options?: ModelEngineOptions): ModelEngine;
    };
    engine: DataEngine;
    models: ModelEngine;
  }
}

/** Opens the harness and creates `window.engine`; resolves when DuckDB is up. */
export async function openEngine(page: Page, url: string, options: DataEngineOptions = {}): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await page.evaluate(async (opts) => {
    window.engine = window.pa.createDataEngine(opts);
    await window.engine.info();
  }, options);
}

export interface FileSpec {
  name: string;
  bytes: Uint8Array;
}

/** engine.loadFiles with File objects made in the page from the given bytes. */
export function loadFilesInPage(page: Page, files: readonly FileSpec[]): Promise<LoadResult> {
  const payload = files.map((f) => ({ name: f.name, b64: Buffer.from(f.bytes).toString('base64') }));
  return page.evaluate(async (list) => {
    const made = list.map(({ name, b64 }) => new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
    return window.engine.loadFiles(made);
  }, payload);
}

export function queryInPage<T = Record<string, unknown>>(page: Page, sql: string, params: unknown[] = []): Promise<T[]> {
  return page.evaluate(async ({ sql, params }) => (await window.engine.query(sql, params as never)) as T[], { sql, params });
}

/** Runs `fn` in the page and returns the rejection as {name, message} (or null if it resolved). */
export function rejectionOf(page: Page, script: string): Promise<{ name: string; message: string } | null> {
  return page.evaluate(async (code) => {
    try {
      await (new Function(`return (async () => { ${code} })()`) as () => Promise<unknown>)();
      return null;
    } catch (error) {
      return { name: (error as Error).name, message: (error as Error).message };
    }
  }, script);
}
