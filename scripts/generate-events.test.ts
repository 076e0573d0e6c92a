import { describe, expect, it, vi } from 'vitest';
import { main } from './generate-events';

describe('CLI', () => {
  it('returns exit code 2 on bad arguments', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--events', 'abc'])).toBe(2);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/^generate-events: --events must be an integer between 1000 and 10000000, got "abc"\n/);
    } finally {
      stderr.mockRestore();
    }
  });
});
