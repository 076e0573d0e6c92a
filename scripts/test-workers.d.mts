/** Test files each suite runs at once (see test-workers.mjs). */
export declare const TEST_WORKERS: number;

/** The vitest settings of a workspace whose tests run in plain Node (see test-workers.mjs). */
export declare function nodeTestSettings(root: string): {
  root: string;
  test: {
    environment: 'node';
    include: string[];
    exclude: string[];
    testTimeout: number;
    hookTimeout: number;
    maxWorkers: number;
    isolate: boolean;
  };
};
