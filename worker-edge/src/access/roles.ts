/**
 * Roles of a read/admin token and what each may do at the edge, enforced on every endpoint (site-routes.ts):
 *  - viewer: aggregates only: the manifest, rollup files (rollups/…), live counters, metrics and fired alerts; never an
 *    event file (rows, hashed person ids), never an export;
 *  - analyst: also the event files (rows), exports (the export listing, audience deliveries and CSV exports) and imports;
 *  - admin: also tokens, retention, erasure, alert rules, consent records, the audit log, flushing the buffers and
 *    withdrawing imports.
 * The dashboard hides what a role cannot use (web/src/lib/state/role-access.ts); the edge is what enforces it.
 */
export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = {
  'aggregates.read': 'read the manifest and the rollup (aggregate) files',
  'live.read': 'read live counters, metrics and fired alerts',
  'data.read': 'download event files (rows)',
  'data.export': 'export data (the export listing, audience deliveries and CSV exports)',
  'buffer.flush': 'write the ingest buffers to R2 now',
  'tokens.manage': 'create, list, rotate and revoke tokens',
  'erasure.manage': 'request and follow erasures',
  'retention.manage': 'read and change the retention period',
  'audit.read': 'read the audit log',
  'alerts.manage': 'configure alert rules',
  'backup.manage': 'follow and start backup runs, restore a site from a snapshot',
  'imports.write': 'import files (orders, customers, ad spend) and read their reports',
  'imports.withdraw': 'withdraw an import (delete its rows)',
  'consent.manage': 'record consent choices from other systems and read a person\'s consent records',
} as const;
export type Action = keyof typeof ACTIONS;

const VIEWER: readonly Action[] = ['aggregates.read', 'live.read'];
const ANALYST: readonly Action[] = [...VIEWER, 'data.read', 'data.export', 'imports.write'];
const ADMIN: readonly Action[] = Object.keys(ACTIONS) as Action[];

export const ROLE_ACTIONS: Readonly<Record<Role, readonly Action[]>> = { viewer: VIEWER, analyst: ANALYST, admin: ADMIN };

export function roleAllows(role: Role, action: Action): boolean {
  return ROLE_ACTIONS[role].includes(action);
}

/** The least role that may perform `action`, for error messages. */
export function leastRoleFor(action: Action): Role {
  return ROLES.find((role) => roleAllows(role, action)) ?? 'admin';
}
