/// <reference types="svelte" />
/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Set by `npm run demo`: the local edge's URL and site, prefilled in the connect form. */
  readonly VITE_DEFAULT_EDGE_URL?: string;
  readonly VITE_DEFAULT_SITE?: string;
}
