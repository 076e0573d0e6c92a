import { z } from 'zod';
import type { AccessGrant } from '../access/site-access';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { readValidatedBody } from '../http/validated-body';
import { backupOf, catalogOf } from '../stubs';
import { SNAPSHOT_ID, snapshotPrefix, sourcePrefixes } from './backup-layout';
import { readSnapshot, SnapshotProblem } from './restore-job';

const runBodySchema = z.object({ kind: z.enum(['daily', 'full'], 'expected "daily" or "full"').optional() }).strict();
const restoreBodySchema = z
  .object({
    snapshot: z.string('required: the snapshot id (GET /backups lists them)').regex(SNAPSHOT_ID, 'expected a snapshot id such as 20260703T021500Z-full-3f9a0c12'),
    force: z.boolean('expected true or false').optional(),
  })
  .strict();

/** GET /v1/sites/<site>/backups (admin): the run in progress, the last run, the snapshots (as the backup bucket lists them). */
export async function handleBackupStatus(env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const site = grant.site.id;
  const [status, stored] = await Promise.all([backupOf(env, site).status(), storedSnapshotIds(env, site)]);
  return jsonResponse({ ...status, site, storedSnapshots: stored }, 200, { ...headers, 'cache-control': 'no-store' });
}

/** POST /v1/sites/<site>/backups {"kind"?: "daily" | "full"} (admin): a backup run now (after the one in progress). */
export async function handleRequestBackup(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const body = await readValidatedBody(request, runBodySchema, '{"kind"?: "daily" | "full"}', { optional: true });
  const status = await backupOf(env, grant.site.id).requestRun(grant.site.id, `requested by ${grant.tokenId}`, body.kind);
  return jsonResponse(status, 202, headers);
}

/**
 * POST /v1/sites/<site>/restore {"snapshot": "<id>", "force"?: true} (admin): rebuilds the site from a snapshot of the
 * backup bucket (objects, manifest, catalog state). Refused (409 site_not_empty) when the site has any event file,
 * unless forced: then the snapshot's manifest replaces the site's. Runs in bounded steps; GET /restore follows it.
 */
export async function handleRestore(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const site = grant.site.id;
  const body = await readValidatedBody(request, restoreBodySchema, '{"snapshot": "<snapshot id>", "force"?: true}');
  try {
    await readSnapshot({ env, site }, body.snapshot);
  } catch (error) {
    if (error instanceof SnapshotProblem) throw new HttpError(error.code === 'snapshot_not_found' ? 404 : 422, error.code, error.message);
    throw error;
  }
  const force = body.force === true;
  if (!force && (await siteHasData(env, site))) {
    throw new HttpError(409, 'site_not_empty', `site "${site}" has event files; restore into an empty site, or pass "force": true to replace its manifest with the snapshot's`);
  }
  await catalogOf(env, site).appendAudit({ action: 'backup.restore.request', actor: grant.tokenId, details: { snapshotId: body.snapshot, forced: force } });
  const started = await backupOf(env, site).startRestore(site, body.snapshot, force, grant.tokenId);
  if ('refused' in started) throw new HttpError(409, started.refused, started.message);
  return jsonResponse({ restore: started.started }, 202, headers);
}

/** GET /v1/sites/<site>/restore (admin): the last restore's progress. */
export async function handleRestoreStatus(env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const status = await backupOf(env, grant.site.id).status();
  return jsonResponse({ site: grant.site.id, restore: status.restore }, 200, { ...headers, 'cache-control': 'no-store' });
}

async function siteHasData(env: Env, site: string): Promise<boolean> {
  if (await catalogOf(env, site).hasFiles()) return true;
  const listings = await Promise.all(sourcePrefixes(site).manifest.map((prefix) => env.EVENTS.list({ prefix, limit: 1 })));
  return listings.some((l) => l.objects.length > 0);
}

async function storedSnapshotIds(env: Env, site: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const listing = await env.BACKUPS.list({ prefix: snapshotPrefix(site), ...(cursor ? { cursor } : {}) });
    ids.push(...listing.objects.map((o) => o.key.slice(snapshotPrefix(site).length).replace(/\.json$/, '')));
    cursor = listing.truncated ? listing.cursor : undefined;
  } while (cursor);
  return ids.sort().reverse();
}
