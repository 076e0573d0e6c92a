import { z } from 'zod';

/** GET /v1/dashboard-config (worker-edge/src/dashboard/dashboard-config-route.ts), validated at the boundary. */
const dashboardConfigSchema = z.object({
  edge: z.literal(true),
  demo: z
    .object({
      site: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
      readToken: z.string().min(8).max(200),
    })
    .nullable(),
});

export interface HostingEdge {
  /** The page's own origin, which is the edge's. */
  url: string;
  /** The local demo's site and read token (only `npm run demo` on a loopback address offers them). */
  demo: { site: string; readToken: string } | null;
}

const DETECT_TIMEOUT_MS = 30_000;

/**
 * The edge that served this page, when one did (one deploy serves the edge and the dashboard): it answers
 * /v1/dashboard-config on the page's own origin. null when the page comes from elsewhere (Vite, another static host,
 * whose answer is not this JSON) or the edge does not answer in time.
 */
export async function detectHostingEdge(origin: string = self.location.origin, fetchFn: typeof fetch = fetch): Promise<HostingEdge | null> {
  try {
    const response = await fetchFn(`${origin}/v1/dashboard-config`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(DETECT_TIMEOUT_MS) });
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('application/json')) return null;
    const parsed = dashboardConfigSchema.safeParse(await response.json());
    return parsed.success ? { url: origin, demo: parsed.data.demo } : null;
  } catch {
    return null;
  }
}
