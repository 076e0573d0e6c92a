import type { Role } from './roles';
import { hexToBytes, sameHash } from './api-token';

/** The `tokens` table of the SiteState: API tokens of one site, stored as SHA-256 only. */

export type TokenStatus = 'active' | 'revoked' | 'expired';

/** A token as listed to admins: never the secret, never the hash. */
export interface TokenInfo {
  id: string;
  role: Role;
  label: string;
  status: TokenStatus;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
  /** Set when the token was rotated: the id of its successor. */
  replacedBy: string | null;
}

export interface NewTokenRecord {
  id: string;
  hash: string;
  role: Role;
  label: string;
  createdBy: string;
  expiresAt: number | null;
}

export type TokenCheck =
  | { status: 'valid'; token: TokenInfo }
  | { status: 'unknown' }
  | { status: 'revoked'; token: TokenInfo }
  | { status: 'expired'; token: TokenInfo };

interface TokenRow {
  id: string;
  hash: string;
  role: string;
  label: string;
  created_at: number;
  created_by: string;
  expires_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
  last_used_at: number | null;
  replaced_by: string | null;
  [column: string]: SqlStorageValue;
}

/** Writing last-use on every request would turn each read into a write; minutes are precise enough. */
const LAST_USED_RESOLUTION_MS = 10 * 60 * 1000;

export function createTokenTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS tokens (
      id TEXT PRIMARY KEY, hash TEXT NOT NULL, role TEXT NOT NULL, label TEXT NOT NULL,
      created_at INTEGER NOT NULL, created_by TEXT NOT NULL, expires_at INTEGER, revoked_at INTEGER,
      revoked_by TEXT, last_used_at INTEGER, replaced_by TEXT);
  `);
}

export function insertToken(sql: SqlStorage, record: NewTokenRecord, now: number): TokenInfo {
  sql.exec(
    `INSERT INTO tokens (id, hash, role, label, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    record.id, record.hash, record.role, record.label, now, record.createdBy, record.expiresAt,
  );
  return tokenById(sql, record.id, now)!;
}

/** Compares the presented token's hash with the stored one in constant time before saying anything about the record. */
export function checkToken(sql: SqlStorage, id: string, presentedHash: string, now: number): TokenCheck {
  const row = sql.exec<TokenRow>(`SELECT * FROM tokens WHERE id = ?`, id).toArray()[0];
  if (!row || !sameHash(hexToBytes(row.hash), hexToBytes(presentedHash))) return { status: 'unknown' };
  const token = toInfo(row, now);
  if (token.status === 'revoked') return { status: 'revoked', token };
  if (token.status === 'expired') return { status: 'expired', token };
  if (row.last_used_at === null || now - row.last_used_at > LAST_USED_RESOLUTION_MS) {
    sql.exec(`UPDATE tokens SET last_used_at = ? WHERE id = ?`, now, id);
    token.lastUsedAt = new Date(now).toISOString();
  }
  return { status: 'valid', token };
}

export function listTokens(sql: SqlStorage, now: number): TokenInfo[] {
  return sql.exec<TokenRow>(`SELECT * FROM tokens ORDER BY created_at, id`).toArray().map((row) => toInfo(row, now));
}

export function tokenById(sql: SqlStorage, id: string, now: number): TokenInfo | null {
  const row = sql.exec<TokenRow>(`SELECT * FROM tokens WHERE id = ?`, id).toArray()[0];
  return row ? toInfo(row, now) : null;
}

export function countActiveTokens(sql: SqlStorage, now: number): number {
  return sql.exec<{ n: number }>(
    `SELECT COUNT(*) AS n FROM tokens WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
    now,
  ).one().n;
}

/** Idempotent: revoking a revoked token keeps the first revocation. */
export function revokeToken(sql: SqlStorage, id: string, by: string, now: number): TokenInfo | null {
  sql.exec(`UPDATE tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`, now, by, id);
  return tokenById(sql, id, now);
}

/** Ends an old token's life at `until` (now: revoke; later: a grace period for clients to switch) and links its successor. */
export function retireToken(sql: SqlStorage, id: string, successorId: string, by: string, until: number, now: number): void {
  if (until <= now) sql.exec(`UPDATE tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`, now, by, id);
  else sql.exec(`UPDATE tokens SET expires_at = MIN(COALESCE(expires_at, ?), ?) WHERE id = ?`, until, until, id);
  sql.exec(`UPDATE tokens SET replaced_by = ? WHERE id = ?`, successorId, id);
}

function toInfo(row: TokenRow, now: number): TokenInfo {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const status: TokenStatus = row.revoked_at !== null ? 'revoked' : row.expires_at !== null && row.expires_at <= now ? 'expired' : 'active';
  return {
    id: row.id,
    role: row.role as Role,
    label: row.label,
    status,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    expiresAt: iso(row.expires_at),
    revokedAt: iso(row.revoked_at),
    revokedBy: row.revoked_by,
    lastUsedAt: iso(row.last_used_at),
    replacedBy: row.replaced_by,
  };
}
