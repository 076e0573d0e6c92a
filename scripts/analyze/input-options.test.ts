import { describe, expect, it } from 'vitest';
import { parseArgs } from '../train';
import { parseModelArgs } from './commands-models';
import { applyInputOption, DATA_FLAGS, defaultInputOptions, forEachFlag } from './input-options';

const usage = (message: string) => new Error(message);

describe('shared input options', () => {
  it('reads --flag value and --flag=value alike, and names a flag without its value', () => {
    const seen: [string, string][] = [];
    forEachFlag(['--input', 'a.parquet', '--input=b.ndjson', '--json'], usage, (flag, value) => seen.push([flag, flag === '--json' ? '' : value()]));
    expect(seen).toEqual([
      ['--input', 'a.parquet'],
      ['--input', 'b.ndjson'],
      ['--json', ''],
    ]);
    expect(() => forEachFlag(['--input', '--json'], usage, (_flag, value) => void value())).toThrow('--input needs a value');
  });

  it('refuses shared flags a command does not take', () => {
    const options = defaultInputOptions();
    expect(applyInputOption(options, '--threads', () => '2', usage, DATA_FLAGS)).toBe(false);
    expect(applyInputOption(options, '--threads', () => '2', usage)).toBe(true);
    expect(options.threads).toBe(2);
    expect(() => parseArgs(['churn', '--input', 'x', '--out', 'm', '--spec', 's.json'])).toThrow('unknown option "--spec"');
    expect(() => parseModelArgs(['score', '--model', 'm.onnx', '--input', 'x', '--threads', '2'])).toThrow('unknown option "--threads"');
  });

  it('parses train and score arguments through the shared flags', () => {
    const train = parseArgs(['propensity', '--input=x.parquet', '--out', 'models', '--engine', 'native', '--site', 'shop', '--skip-bad-lines', '--seed', '7']);
    expect(train).toMatchObject({ task: 'propensity', inputs: ['x.parquet'], out: 'models', engine: 'native', site: 'shop', skipBadLines: true, seed: 7, json: false });
    const score = parseModelArgs(['score', '--model', 'churn.onnx', '--input', 'a', '--input', 'b', '--json', '--anonymise-key', 'k']);
    expect(score).toMatchObject({ command: 'score', model: 'churn.onnx', inputs: ['a', 'b'], json: true, anonymiseKey: 'k', engine: 'wasm' });
    expect(() => parseModelArgs(['score', '--model', 'm', '--input', 'a', '--engine', 'gpu'])).toThrow('--engine must be wasm or native, got "gpu"');
  });
});
