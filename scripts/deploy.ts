/**
 * npm run deploy: after `npm run build:web` has built the dashboard into dist/web, checks what would be uploaded
 * (scripts/deploy/check-bundle.ts: a `wrangler deploy --dry-run`) and deploys the edge and the dashboard together
 * with `wrangler deploy`. Arguments after `--` go to wrangler (e.g. `npm run deploy -- --env staging`).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { checkDeployBundle, describeDeployCheck } from './deploy/check-bundle';
import { REPO_ROOT } from './harness/local-edge';

async function main(): Promise<number> {
  console.log('[deploy] checking the bundle (wrangler deploy --dry-run)');
  const check = await checkDeployBundle();
  console.log(describeDeployCheck(check));
  if (check.problems.length > 0) {
    console.error('[deploy] not deploying: fix the problems above first.');
    return 1;
  }
  const wrangler = spawn(join(REPO_ROOT, 'node_modules/.bin/wrangler'), ['deploy', ...process.argv.slice(2)], { cwd: REPO_ROOT, stdio: 'inherit' });
  return new Promise((resolve) => wrangler.on('exit', (code) => resolve(code ?? 1)));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[deploy] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
