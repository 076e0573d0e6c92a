import type { Env } from './env';
export { IngestBuffer } from './buffer/ingest-buffer';
export { SiteCatalog } from './storage/site-catalog';

export default {
  async fetch(_request, _env, _ctx) {
    return new Response('ok');
  },
} satisfies ExportedHandler<Env>;
