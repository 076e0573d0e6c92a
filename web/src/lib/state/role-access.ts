/**
 * What each role of an edge token may use in the dashboard, mirroring the edge's roles (worker-edge/src/access/roles.ts):
 * a viewer reads aggregates only (the overview from rollups, live counters, data-quality counters, fired alerts), an
 * analyst also the event rows (every analysis, the SQL console, exports), an admin also the Admin view. The edge
 * enforces this; the dashboard hides what a role cannot use and says why.
 */
import type { ViewName } from './url-state';

export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2 };

/** The least role each view needs (from an edge; local files have no role). */
export const VIEW_NEEDS: Record<ViewName, Role> = {
  overview: 'viewer',
  funnels: 'analyst',
  retention: 'analyst',
  paths: 'analyst',
  segments: 'analyst',
  rfm: 'analyst',
  person: 'analyst',
  attribution: 'analyst',
  basket: 'analyst',
  experiments: 'analyst',
  campaigns: 'analyst',
  quality: 'viewer',
  alerts: 'viewer',
  models: 'analyst',
  sql: 'analyst',
  imports: 'analyst',
  admin: 'admin',
  connect: 'viewer',
};

export function roleAtLeast(role: Role, least: Role): boolean {
  return RANK[role] >= RANK[least];
}

/** Why a role may not open a view (a sentence for the nav item's tooltip and the view's place), or null. */
export function viewBlockReason(view: ViewName, role: Role | null): string | null {
  const least = VIEW_NEEDS[view];
  if (view === 'admin' && role === null) return 'Needs an admin token: connect to an edge with one to manage tokens, erasure, retention and the audit log.';
  if (view === 'imports' && role === null) return 'Needs an analyst or admin token: imports go through an edge, the only place that holds the key that hashes phone numbers, e-mail addresses and member ids.';
  if (role === null || roleAtLeast(role, least)) return null;
  if (least === 'admin') return `Needs an admin token: this ${role} token may not manage tokens, erasure, retention or read the audit log.`;
  if (view === 'sql') return 'Needs an analyst token: the SQL console queries event rows, and a viewer token reads aggregates only.';
  return 'Needs an analyst token: this view queries event rows, and a viewer token reads aggregates only (the overview from rollups, live and collection counters, fired alerts).';
}

/** Why the overview's filters are unavailable to a role, or null. */
export function filterBlockReason(role: Role | null): string | null {
  return role === 'viewer' ? 'Filters need event rows, and a viewer token reads aggregates only: connect with an analyst token to filter.' : null;
}
