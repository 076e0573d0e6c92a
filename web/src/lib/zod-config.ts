/**
 * Import first in every entry point (page and workers). zod compiles object parsers with `new Function` when it
 * can, and probes for that with `Function('')`: the dashboard's Content-Security-Policy has no 'unsafe-eval', so
 * the probe alone is reported as a violation. The interpreted path gives the same results.
 */
import { config } from 'zod';

config({ jitless: true });
