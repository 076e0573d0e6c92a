/**
 * Roles of a read/admin token and what each may do at the edge. The dashboard computes in the
 * browser, so a viewer must be able to download the data; limits finer than these (SQL console,
 * exports from the UI) are enforced by the dashboard, not by the edge.
 */
export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = {
  'data.read': 'manifest and Parquet files',
  'live.read': 'live counters of the ingest buffers',
  'data.export': 'the export listing used by `npm run export`',
  'buffer.flush': 'write the ingest buffers to R2 now',
  'tokens.manage': 'create, list, rotate and revoke tokens',
  'erasure.manage': 'request and follow erasures',
  'retention.manage': 'read and change the retention period',
  'audit.read': 'read the audit log',
  'alerts.manage': 'configure alerts (reserved for the alerting endpoints)',
  'backup.manage': 'follow and start backup runs, restore a site from a snapshot',
} as const;
export type Action = keyof typeof ACTIONS;

const VIEWER: readonly Action[] = ['data.read', 'live.read'];
const ANALYST: readonly Action[] = [...VIEWER, 'data.export'];
const ADMIN: readonly Action[] = Object.keys(ACTIONS) as Action[];

export const ROLE_ACTIONS: Readonly<Record<Role, readonly Action[]>> = { viewer: VIEWER, analyst: ANALYST, admin: ADMIN };

export function roleAllows(role: Role, action: Action): boolean {
  return ROLE_ACTIONS[role].includes(action);
}

/** The least role that may perform `action`, for error messages. */
export function leastRoleFor(action: Action): Role {
  return ROLES.find((role) => roleAllows(role, action)) ?? 'admin';
}
