/** Test files each suite runs at once (see test-workers.mjs). */
export declare const TEST_WORKERS: number;
