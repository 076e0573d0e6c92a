import { z } from 'zod';
import type { DataEngine, EdgeConnection } from '../engine/data-engine';

export type DataSource = 'none' | 'edge' | 'files';

const connectionSchema = z.object({
  url: z
    .string()
    .trim()
    .max(500)
    .url('enter the edge URL, e.g. https://collector.example.com')
    .refine((u) => /^https?:$/.test(new URL(u).protocol), 'the edge URL must start with http:// or https://')
    .transform((u) => u.replace(/\/+$/, '')),
  site: z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'site ids are 1-63 characters of a-z, 0-9, _ and -'),
  token: z.string().trim().min(8, 'the read token has at least 8 characters').max(200, 'the read token has at most 200 characters'),
});

/** Checks a connection typed into the form; returns it cleaned up, or the first problem per field. */
export function validateConnection(input: EdgeConnection): { ok: true; connection: EdgeConnection } | { ok: false; errors: Partial<Record<keyof EdgeConnection, string>> } {
  const parsed = connectionSchema.safeParse(input);
  if (parsed.success) return { ok: true, connection: parsed.data };
  const errors: Partial<Record<keyof EdgeConnection, string>> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as keyof EdgeConnection;
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

/** Where the data comes from: the saved edge connection (kept by the engine in IndexedDB, never in the URL) or local files. */
export class ConnectionState {
  #connection = $state<EdgeConnection | null>(null);
  #source = $state<DataSource>('none');
  #engine: DataEngine;

  constructor(engine: DataEngine) {
    this.#engine = engine;
  }

  get connection(): EdgeConnection | null {
    return this.#connection;
  }
  get source(): DataSource {
    return this.#source;
  }
  /** Origin of the edge, for display ("connected to ..."); never the token. */
  get edgeLabel(): string | null {
    return this.#connection ? `${this.#connection.site} @ ${new URL(this.#connection.url).host}` : null;
  }

  async restore(): Promise<EdgeConnection | null> {
    const saved = await this.#engine.loadConnection();
    this.#connection = saved;
    if (saved) this.#source = 'edge';
    return saved;
  }

  async save(connection: EdgeConnection): Promise<void> {
    await this.#engine.saveConnection(connection);
    this.#connection = connection;
    this.#source = 'edge';
  }

  forget(): void {
    this.#connection = null;
    this.#source = 'none';
  }

  useFiles(): void {
    this.#source = 'files';
  }
}
