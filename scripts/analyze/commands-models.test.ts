/**
 * End to end on a small demo NDJSON file (raw ids): `npm run train` writes churn and recommend models,
 * then `analyze score` and `analyze recommend` run them with onnxruntime-web and print the documented
 * JSON; bad models, id maps and arguments give exit code 2 and a precise message.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPersonMap } from '@privacy-analytics/core/analytics';
import { interactionOptionsSchema, loadInteractions } from '@privacy-analytics/models/train';
import { generateDemoEvents, serializeMessage } from '@privacy-analytics/core/demo-data';
import { runTrain } from '../train';
import { runCli } from './cli';
import { loadInputs } from './inputs';
import { openWasmStore } from '@privacy-analytics/core/connectors/node';

let dir: string;
let ndjson: string;
let bought: Map<string, Set<string>>;

async function run(fn: typeof runCli, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await fn(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pa-models-cli-'));
  ndjson = join(dir, 'demo.ndjson');
  const lines: string[] = [];
  for (const message of generateDemoEvents({ seed: 3, events: 12_000, days: 90, start: new Date('2026-10-24T00:00:00Z') })) lines.push(serializeMessage(message));
  writeFileSync(ndjson, `${lines.join('\n')}\n`);
  const store = await openWasmStore();
  try {
    await loadInputs(store, [ndjson]);
    await buildPersonMap(store);
    const data = await loadInteractions(store, interactionOptionsSchema.parse({}));
    bought = new Map(data.persons.map((p, i) => [p, new Set(data.byPerson[i]!.filter((x) => x.purchased).map((x) => data.items[x.item]!))]));
  } finally {
    await store.close();
  }
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run train and analyze score / recommend', () => {
  it('trains churn and recommend, writing the model, its card (JSON and Markdown) and the id map; prints metrics as JSON', async () => {
    const churn = await run(runTrain, 'churn', '--input', ndjson, '--out', join(dir, 'models'), '--json', '--demo-truth', 'events=12000,days=90,seed=3');
    expect(churn.code, churn.err).toBe(0);
    const summary = JSON.parse(churn.out);
    expect(summary).toMatchObject({ model: 'churn', task: 'churn', horizonDays: 21, leadDays: 7 });
    expect(summary.threshold).toBeGreaterThan(0);
    expect(summary.atThreshold).toEqual({ accuracy: expect.any(Number), precision: expect.any(Number), recall: expect.any(Number), baseRate: expect.any(Number) });
    expect(summary.logistic_regression ?? summary.mlp).toHaveProperty('rocAuc');
    expect(summary.ceiling.rocAuc).toBeGreaterThan(0.5);
    for (const file of ['churn.onnx', 'churn.card.json', 'churn.card.md']) expect(existsSync(join(dir, 'models', file))).toBe(true);
    expect(readFileSync(join(dir, 'models', 'churn.card.md'), 'utf8')).toContain('| baseline: recency_rule |');

    const recommend = await run(runTrain, 'recommend', '--input', ndjson, '--out', join(dir, 'models'), '--json');
    expect(recommend.code, recommend.err).toBe(0);
    expect(JSON.parse(recommend.out)).toMatchObject({ model: 'recommend', k: 10 });
    expect(existsSync(join(dir, 'models', 'recommend.ids.json'))).toBe(true);
  }, 300_000);

  it('score --json: {"persons":[{"person","score"}]} with raw user ids, highest score first', async () => {
    const { code, out, err } = await run(runCli, 'score', '--model', join(dir, 'models', 'churn.onnx'), '--input', ndjson, '--json');
    expect(code, err).toBe(0);
    const { persons } = JSON.parse(out) as { persons: { person: string; score: number }[] };
    expect(persons.length).toBeGreaterThan(50);
    expect(persons.some((p) => /^u-\d{6}$/.test(p.person))).toBe(true);
    for (const p of persons) expect(p.score).toBeGreaterThan(0);
    for (let i = 1; i < persons.length; i++) expect(persons[i - 1]!.score).toBeGreaterThanOrEqual(persons[i]!.score);
    expect(Object.keys(persons[0]!)).toEqual(['person', 'score']);

    const explained = await run(runCli, 'score', '--model', join(dir, 'models', 'churn.onnx'), '--input', ndjson, '--explain', '2', '--json');
    const first = JSON.parse(explained.out).persons[0];
    expect(first.person).toBe(persons[0]!.person);
    expect(first.drivers).toHaveLength(2);
    expect(first.drivers[0]).toEqual({ feature: expect.any(String), value: expect.any(Number), contribution: expect.any(Number) });
  }, 120_000);

  it('recommend --json: k products for every person, never one they bought unless --include-seen', async () => {
    const model = join(dir, 'models', 'recommend.onnx');
    const plain = await run(runCli, 'recommend', '--model', model, '--input', ndjson, '--k', '5', '--json');
    expect(plain.code, plain.err).toBe(0);
    const { recommendations } = JSON.parse(plain.out) as { recommendations: { person: string; items: { item: string; score: number }[] }[] };
    expect(recommendations.length).toBeGreaterThan(bought.size);
    for (const r of recommendations) {
      expect(r.items).toHaveLength(5);
      for (const item of r.items) expect(bought.get(r.person)?.has(item.item) ?? false).toBe(false);
    }
    const seen = await run(runCli, 'recommend', '--model', model, '--input', ndjson, '--k', '5', '--include-seen', '--json');
    const withSeen = JSON.parse(seen.out).recommendations as typeof recommendations;
    expect(withSeen.some((r) => r.items.some((i) => bought.get(r.person)?.has(i.item)))).toBe(true);
  }, 120_000);

  it('bad models, id maps and arguments: exit code 2 and a precise message', async () => {
    const churn = join(dir, 'models', 'churn.onnx');
    const recommend = join(dir, 'models', 'recommend.onnx');
    writeFileSync(join(dir, 'garbage.onnx'), 'not a model at all');
    let r = await run(runCli, 'score', '--model', join(dir, 'garbage.onnx'), '--input', ndjson);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('garbage.onnx: not an ONNX model')]);
    r = await run(runCli, 'score', '--model', recommend, '--input', ndjson);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('is a recommender; use "analyze recommend"')]);
    r = await run(runCli, 'recommend', '--model', churn, '--input', ndjson);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('use "analyze score"')]);
    r = await run(runCli, 'recommend', '--model', recommend, '--input', ndjson, '--ids', join(dir, 'nope.json'));
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('cannot read the recommender\'s id map')]);
    const ids = JSON.parse(readFileSync(join(dir, 'models', 'recommend.ids.json'), 'utf8'));
    writeFileSync(join(dir, 'other.ids.json'), JSON.stringify({ ...ids, items: [...ids.items].reverse() }));
    r = await run(runCli, 'recommend', '--model', recommend, '--input', ndjson, '--ids', join(dir, 'other.ids.json'));
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('does not belong to this model')]);
    r = await run(runCli, 'score', '--model', churn, '--input', ndjson, '--k', '3');
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('--k applies to recommend only')]);
    r = await run(runTrain, 'upsell', '--input', ndjson, '--out', dir);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('unknown task "upsell"')]);
    r = await run(runTrain, 'churn', '--input', ndjson);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('give --out <dir>')]);
  }, 120_000);
});
