import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { messageStream } from './message-stream';
import { ndjsonSink } from './ndjson-sink';

const opts = (seed: number, events: number) => ({ seed, events, start: new Date('2026-10-24T00:00:00Z'), days: 30 });

describe('ndjsonSink', () => {
  it('writes NDJSON through a sink (one message per line, same as the generator)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-ndjson-'));
    try {
      const file = join(dir, 'nested', 'demo.ndjson');
      const options = opts(3, 3_000);
      await ndjsonSink(file)(messageStream(options));
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(lines.length).toBe(3_000);
      const direct = [...generateDemoEvents(options)].map((m) => JSON.stringify(m));
      expect(lines).toEqual(direct);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
