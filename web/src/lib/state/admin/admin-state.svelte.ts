import type { EdgeConnection } from '../../engine/data-engine';
import { EdgeAdmin, type AuditEntry, type ErasureInfo, type IssuedToken, type RetentionChange, type RetentionInfo, type TokenInfo, type TokenList } from '../../edge/edge-admin';
import { describeEdgeError } from '../../edge/edge-errors';

/** One part of the Admin view: what the edge last said, and a sentence when it refused. */
export class AdminSection<T> {
  #data = $state.raw<T | null>(null);
  #error = $state<string | null>(null);
  #busy = $state(false);

  get data(): T | null {
    return this.#data;
  }
  get error(): string | null {
    return this.#error;
  }
  get busy(): boolean {
    return this.#busy;
  }
  set(data: T): void {
    this.#data = data;
  }
  clear(): void {
    this.#data = null;
    this.#error = null;
  }

  /** Runs `task`; a failure becomes the sentence for `what` ("Could not <what>: …"); resolves to whether it worked. */
  async run(what: string, task: () => Promise<void>): Promise<boolean> {
    this.#busy = true;
    this.#error = null;
    try {
      await task();
      return true;
    } catch (error) {
      this.#error = describeEdgeError(error, what);
      return false;
    } finally {
      this.#busy = false;
    }
  }
}

export const AUDIT_PAGE = 25;

/**
 * The Admin view's state (admin tokens): API tokens (issue with role, label and expiry, rotate, revoke), erasure
 * requests (by user id; their progress), the retention setting with its floor, and the audit log a page at a time.
 * Every request goes to the edge with the connected token (web/src/lib/edge/edge-admin.ts).
 */
export class AdminState {
  readonly tokens = new AdminSection<TokenList>();
  readonly erasures = new AdminSection<ErasureInfo[]>();
  readonly retention = new AdminSection<RetentionInfo>();
  readonly audit = new AdminSection<{ entries: AuditEntry[]; next: number | null }>();
  /** a token just issued or rotated: its secret is shown once, until dismissed */
  #issued = $state<IssuedToken | null>(null);
  #notice = $state<string | null>(null);
  #admin: EdgeAdmin | null = null;
  #loadedFor: string | null = null;

  get issued(): IssuedToken | null {
    return this.#issued;
  }
  get notice(): string | null {
    return this.#notice;
  }
  dismissIssued(): void {
    this.#issued = null;
  }

  /** Loads every section once per connection; `force` reloads. */
  async load(connection: EdgeConnection, force = false): Promise<void> {
    const key = `${connection.url}|${connection.site}|${connection.token}`;
    if (!force && key === this.#loadedFor) return;
    this.#loadedFor = key;
    this.#admin = new EdgeAdmin(connection);
    await Promise.all([this.refreshTokens(), this.refreshErasures(), this.refreshRetention(), this.refreshAudit()]);
  }

  refreshTokens(): Promise<boolean> {
    return this.tokens.run('list the tokens', async () => this.tokens.set(await this.#edge().tokens()));
  }

  async createToken(input: { role: TokenInfo['role']; label: string; expiresInDays: number | null }): Promise<boolean> {
    const ok = await this.tokens.run('create the token', async () => {
      this.#issued = await this.#edge().createToken({ role: input.role, label: input.label, ...(input.expiresInDays === null ? {} : { expiresInDays: input.expiresInDays }) });
      this.#notice = null;
    });
    if (ok) await Promise.all([this.refreshTokens(), this.refreshAudit()]);
    return ok;
  }

  async rotateToken(id: string, graceSeconds: number): Promise<boolean> {
    const ok = await this.tokens.run('rotate the token', async () => {
      this.#issued = await this.#edge().rotateToken(id, graceSeconds);
    });
    if (ok) await Promise.all([this.refreshTokens(), this.refreshAudit()]);
    return ok;
  }

  async revokeToken(id: string): Promise<boolean> {
    const ok = await this.tokens.run('revoke the token', async () => {
      const revoked = await this.#edge().revokeToken(id);
      this.#notice = `Token "${revoked.label}" (${revoked.id}) is revoked: the edge refuses it from now on.`;
      if (this.#issued?.id === id) this.#issued = null;
    });
    if (ok) await Promise.all([this.refreshTokens(), this.refreshAudit()]);
    return ok;
  }

  refreshErasures(): Promise<boolean> {
    return this.erasures.run('list the erasure requests', async () => this.erasures.set(await this.#edge().erasures()));
  }

  async requestErasure(userId: string, confirm = false): Promise<ErasureInfo | null> {
    let request: ErasureInfo | null = null;
    const ok = await this.erasures.run('request the erasure', async () => {
      request = await this.#edge().requestErasure({ userId, ...(confirm ? { confirm: true } : {}) });
    });
    if (ok) await Promise.all([this.refreshErasures(), this.refreshAudit()]);
    return request;
  }

  refreshRetention(): Promise<boolean> {
    return this.retention.run('read the retention setting', async () => this.retention.set(await this.#edge().retention()));
  }

  async setRetention(change: RetentionChange): Promise<boolean> {
    const ok = await this.retention.run('change the retention', async () => this.retention.set(await this.#edge().setRetention(change)));
    if (ok) await this.refreshAudit();
    return ok;
  }

  /** The newest page of the audit log. */
  refreshAudit(): Promise<boolean> {
    return this.audit.run('read the audit log', async () => this.audit.set(await this.#edge().audit({ limit: AUDIT_PAGE })));
  }

  /** Appends the next (older) page. */
  async moreAudit(): Promise<boolean> {
    const current = this.audit.data;
    if (!current || current.next === null) return false;
    return this.audit.run('read more of the audit log', async () => {
      const page = await this.#edge().audit({ limit: AUDIT_PAGE, before: current.next! });
      this.audit.set({ entries: [...current.entries, ...page.entries], next: page.next });
    });
  }

  #edge(): EdgeAdmin {
    if (!this.#admin) throw new Error('the Admin view is not connected to an edge');
    return this.#admin;
  }
}

/** One line for an audit entry's details: the ones people read first, then the rest. */
export function auditSummary(entry: AuditEntry): string {
  const d = entry.details;
  const parts: string[] = [];
  switch (entry.action) {
    case 'data.download':
      parts.push(`${String(d.files)} ${d.kind === 'rollups' ? 'rollup' : 'event'} file${d.files === 1 ? '' : 's'} (${String(d.requests)} requests), dates ${String(d.fromDate)} – ${String(d.toDate)}, hour from ${String(d.hour).slice(11, 16)} UTC`);
      break;
    case 'data.export':
      parts.push(`export listing of ${String(d.files)} files, ${String(d.rows)} rows (${d.from ?? 'start'} – ${d.to ?? 'today'})`);
      break;
    case 'retention.update':
    case 'retention.override':
      parts.push(`retention ${String(d.from)} → ${String(d.to)} days (floor ${String(d.floorDays ?? '?')})`);
      if (d.reason) parts.push(`reason: ${String(d.reason)}`);
      break;
    default:
      for (const [name, value] of Object.entries(d)) {
        if (parts.length >= 6) break;
        parts.push(`${name}: ${Array.isArray(value) ? value.length > 3 ? `${value.slice(0, 3).join(', ')} … (${value.length})` : value.join(', ') : String(value)}`);
      }
  }
  return parts.join('; ');
}
