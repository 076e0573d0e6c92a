import { generateDemoEvents, type GenerateOptions, type SegmentMessage } from '@privacy-analytics/core/demo-data';
import type { Summary } from './summary';

/** The generated messages, optionally feeding a summary and a progress callback. */
export function messageStream(options: GenerateOptions, summary?: Summary, progress?: (count: number) => void): Iterable<SegmentMessage> {
  const gen = generateDemoEvents(summary ? { ...options, onPerson: (p) => summary.addPerson(p) } : options);
  if (!summary && !progress) return gen;
  return (function* observed(): Generator<SegmentMessage> {
    let count = 0;
    for (const m of gen) {
      summary?.addMessage(m);
      if (progress && ++count % 1_000_000 === 0) progress(count);
      yield m;
    }
  })();
}
