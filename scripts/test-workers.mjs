// Plain JavaScript: every workspace's vitest config imports it, and Node loads those imports untransformed.
import { availableParallelism } from 'node:os';

/**
 * Test files each suite runs at once: vitest's default on a 2-core machine is one, which leaves the second core idle
 * while a file waits (engine start, an edge, a child process). Two on 2 cores; one per core on larger machines, up to
 * four (each browser file runs its own Chromium and edge).
 */
export const TEST_WORKERS = Math.min(4, Math.max(2, availableParallelism()));
