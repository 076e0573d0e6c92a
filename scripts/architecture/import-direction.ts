/**
 * The workspaces' dependency rule, checked on the source tree (see docs/architecture.md):
 * - production code imports other workspaces only in the allowed direction
 *   (scripts -> web, models, worker-edge, core; web -> models, core; models -> core; worker-edge -> core; core -> none);
 * - no file, test or not, reaches into another workspace by a relative path: other workspaces are imported by their
 *   package name, through their `exports` map.
 * Tests, test harnesses and configs may import any workspace by package name (they sit at the top of the graph).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const WORKSPACES = ['core', 'models', 'worker-edge', 'web', 'scripts'] as const;
export type Workspace = (typeof WORKSPACES)[number];

export const ALLOWED: Readonly<Record<Workspace, readonly Workspace[]>> = {
  core: [],
  models: ['core'],
  'worker-edge': ['core'],
  web: ['models', 'core'],
  scripts: ['web', 'models', 'worker-edge', 'core'],
};

export interface ImportViolation {
  file: string;
  specifier: string;
  rule: 'direction' | 'relative-across-workspaces';
  from: Workspace;
  to: Workspace;
}

const SOURCE = /\.(ts|mts|js|mjs|svelte)$/;
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', '.wrangler', 'generated', 'wasm']);
const IMPORT = /(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
const TEST_FILE = /(^|\/)(test|e2e|harness|testing|test-support)(\/|$)|\.(test|spec|property\.test)\.[cm]?[jt]s$|(^|\/)[\w.-]*\.config\.[cm]?[jt]s$|\.d\.m?ts$/;

export function isTestCode(pathInRepo: string): boolean {
  return TEST_FILE.test(pathInRepo) || pathInRepo.startsWith('scripts/bench/');
}

/** Every violation in the tree under `root` (the repository), sorted by file. */
export function findImportViolations(root: string): ImportViolation[] {
  const packageOf = new Map<string, Workspace>();
  for (const workspace of WORKSPACES) {
    try {
      const name = (JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8')) as { name?: string }).name;
      if (name) packageOf.set(name, workspace);
    } catch {
      // a workspace without package.json is found by its folder only
    }
  }
  const violations: ImportViolation[] = [];
  for (const file of sourceFiles(root)) {
    const pathInRepo = relative(root, file).split(sep).join('/');
    const from = workspaceOf(pathInRepo);
    if (!from) continue;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = (match[1] ?? match[2] ?? match[3])!;
      let to: Workspace | null;
      if (specifier.startsWith('.')) {
        to = workspaceOf(relative(root, resolve(dirname(file), specifier)).split(sep).join('/'));
        if (to && to !== from) violations.push({ file: pathInRepo, specifier, rule: 'relative-across-workspaces', from, to });
      } else {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        to = packageOf.get(name) ?? null;
      }
      if (!to || to === from || isTestCode(pathInRepo)) continue;
      if (!ALLOWED[from].includes(to)) violations.push({ file: pathInRepo, specifier, rule: 'direction', from, to });
    }
  }
  return violations.sort((a, b) => a.file.localeCompare(b.file));
}

export function describeViolation(v: ImportViolation): string {
  return v.rule === 'direction'
    ? `${v.file}: imports ${v.specifier} (${v.from} -> ${v.to}; ${v.from} may import ${ALLOWED[v.from].join(', ') || 'nothing of ours'})`
    : `${v.file}: reaches into ${v.to}/ by the relative path ${v.specifier}; import it by package name through its exports map`;
}

function workspaceOf(pathInRepo: string): Workspace | null {
  const first = pathInRepo.split('/')[0];
  return (WORKSPACES as readonly string[]).includes(first ?? '') ? (first as Workspace) : null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED_DIRS.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return SOURCE.test(entry.name) ? [path] : [];
  });
}
