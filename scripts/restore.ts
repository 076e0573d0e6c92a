/**
 * Rebuilds a site from a backup snapshot (README "Backups and restore"): asks the edge to restore, then follows the
 * restore until it is done. Without --snapshot it lists the site's snapshots.
 *
 *   npm run restore -- --site demo [--snapshot <id>] [--force] [--edge URL] [--token ADMIN_TOKEN]
 *
 * Exit codes: 0 done (or listed), 2 bad arguments, 1 anything else (refused, snapshot missing, restore failed).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const DEFAULT_EDGE = 'http://127.0.0.1:8787';
/** The local demo's admin token (scripts/dev-vars.ts); real deployments pass --token or ANALYTICS_ADMIN_TOKEN. */
const DEFAULT_TOKEN = 'demo-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';
const USAGE = `usage: npm run restore -- --site SITE [--snapshot ID] [--force] [--edge URL] [--token TOKEN]
  --site      the site to restore
  --snapshot  the snapshot to restore (without it: list the snapshots)
  --force     restore into a site that has data: its manifest is replaced by the snapshot's
  --edge      edge origin (default ${DEFAULT_EDGE}, or EDGE_URL)
  --token     admin token (default ANALYTICS_ADMIN_TOKEN, else the local demo's)`;

interface RestoreState {
  phase: string;
  snapshotId: string;
  objects: number;
  files: number;
  objectsRestored: number;
  filesRestored: number;
  error: string | null;
}

export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env, pollMs = 1000): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let values;
  try {
    values = parseArgs({ args: [...argv], options: { site: { type: 'string' }, snapshot: { type: 'string' }, force: { type: 'boolean' }, edge: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean' } }, strict: true }).values;
  } catch (error) {
    log(`restore: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    log(USAGE);
    return 0;
  }
  if (!values.site || !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(values.site)) {
    log(`restore: --site is required (a site id such as demo)\n${USAGE}`);
    return 2;
  }
  const edge = values.edge ?? env.EDGE_URL ?? DEFAULT_EDGE;
  const headers = { authorization: `Bearer ${values.token ?? env.ANALYTICS_ADMIN_TOKEN ?? DEFAULT_TOKEN}`, 'content-type': 'application/json' };
  const base = `${edge}/v1/sites/${values.site}`;
  if (!values.snapshot) {
    const res = await fetch(`${base}/backups`, { headers });
    const body = (await res.json()) as { storedSnapshots?: string[]; message?: string };
    if (!res.ok) {
      log(`restore: listing snapshots: ${res.status} ${body.message ?? ''}`);
      return 1;
    }
    for (const id of body.storedSnapshots ?? []) process.stdout.write(`${id}\n`);
    return 0;
  }
  const started = await fetch(`${base}/restore`, { method: 'POST', headers, body: JSON.stringify({ snapshot: values.snapshot, ...(values.force ? { force: true } : {}) }) });
  const startBody = (await started.json()) as { error?: string; message?: string };
  if (started.status !== 202) {
    log(`restore: refused (${started.status} ${startBody.error ?? ''}): ${startBody.message ?? ''}`);
    return 1;
  }
  for (;;) {
    const res = await fetch(`${base}/restore`, { headers });
    const { restore } = (await res.json()) as { restore: RestoreState | null };
    if (restore?.phase === 'done') {
      log(`restore: ${restore.snapshotId} restored: ${restore.objectsRestored} objects, ${restore.filesRestored} files in the manifest`);
      return 0;
    }
    if (!restore || restore.phase === 'failed') {
      log(`restore: failed: ${restore?.error ?? 'no restore in progress'}`);
      return 1;
    }
    log(`restore: ${restore.phase}: ${restore.objectsRestored}/${restore.objects} objects, ${restore.filesRestored}/${restore.files} files`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`restore: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
