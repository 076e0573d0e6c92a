import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { describeViolation, findImportViolations } from './import-direction';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('import direction', () => {
  it('the repository has no import against the direction and no relative path into another workspace', () => {
    expect(findImportViolations(REPO_ROOT).map(describeViolation)).toEqual([]);
  });

  describe('on a planted tree', () => {
    const root = mkdtempSync(join(tmpdir(), 'pa-direction-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    // Import lines built at run time, so that this file's own text holds none of them.
    const imp = (what: string, specifier: string) => `import ${what} from '${specifier}';\n`;
    for (const [workspace, name] of [['core', 'core'], ['models', 'models'], ['web', 'web'], ['worker-edge', 'worker-edge'], ['scripts', 'scripts']]) {
      write(`${workspace}/package.json`, JSON.stringify({ name: `@pa/${name}` }));
    }
    write('core/src/sql.ts', `${imp('{ rank }', '@pa/models/score')}export const x = 1;\n`);
    write('models/score/rank.ts', imp('{ x }', '@pa/core/analytics') + imp('type { View }', '../../web/src/view'));
    write('web/src/view.ts', imp('{ rank }', '@pa/models/score') + imp('{ route }', '@pa/worker-edge'));
    write('web/src/view.test.ts', imp('{ main }', '@pa/scripts/harness') + imp('{ other }', '../../scripts/harness/x'));
    write('worker-edge/src/index.ts', `export const route = await import(${JSON.stringify('@pa/web/engine')});\n`);

    it('reports each kind of violation with its file, and nothing else', () => {
      const found = findImportViolations(root).map((v) => `${v.file} ${v.rule} ${v.from}->${v.to}`);
      expect(found).toEqual([
        'core/src/sql.ts direction core->models',
        'models/score/rank.ts relative-across-workspaces models->web',
        'models/score/rank.ts direction models->web',
        'web/src/view.test.ts relative-across-workspaces web->scripts',
        'web/src/view.ts direction web->worker-edge',
        'worker-edge/src/index.ts direction worker-edge->web',
      ]);
    });
  });
});
