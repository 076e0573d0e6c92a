import type { Env as WorkerEnv } from '../src/env';

// cloudflare:test's `env` is typed as Cloudflare.Env (from wrangler types) plus what tests set beside wrangler.toml.
declare module 'cloudflare:test' {
  interface ProvidedEnv extends WorkerEnv {}
}
