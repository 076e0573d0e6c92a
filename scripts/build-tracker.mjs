// placeholder, replaced by the tracker work
import { mkdirSync, writeFileSync } from 'node:fs';
mkdirSync('worker-edge/src/ingest/tracker/generated', { recursive: true });
writeFileSync('worker-edge/src/ingest/tracker/generated/tracker.min.js.txt', '');
