import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { liveGroupMembers, portInUse, startLocalEdge, type LocalEdge } from '@privacy-analytics/scripts/harness';

/** The process group of the wrangler started for this persistDir (its workerd is in the same group); Linux only. */
function groupOf(persistDir: string): { pgid: number; members: number[] } | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (!cmd.includes('wrangler') || !cmd.includes(persistDir)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      return { pgid, members: liveGroupMembers(pgid) };
    } catch {
      // exited meanwhile
    }
  }
  return undefined;
}

describe('local edge harness', () => {
  let edge: LocalEdge | undefined;
  afterAll(async () => {
    await edge?.kill();
  });

  it('starts wrangler dev, answers /healthz with 200, stops and frees the port', async () => {
    edge = await startLocalEdge();
    const port = Number(new URL(edge.url).port);
    expect(edge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(edge.persistDir).toBeTruthy();

    const res = await fetch(`${edge.url}/healthz`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(await portInUse(port)).toBe(true);
    const group = groupOf(edge.persistDir);
    if (process.platform === 'linux') expect(group?.members.length).toBeGreaterThanOrEqual(2); // wrangler + workerd

    await edge.stop();
    expect(await portInUse(port)).toBe(false);
    await expect(fetch(`${edge.url}/healthz`)).rejects.toThrow();
    if (group) expect(liveGroupMembers(group.pgid)).toEqual([]);
  });

  it('kill() (SIGKILL, a simulated crash) also takes workerd down, and a restart reuses persistDir', async () => {
    const first = await startLocalEdge();
    const port = Number(new URL(first.url).port);
    const group = groupOf(first.persistDir);
    await first.kill();
    expect(await portInUse(port)).toBe(false);
    if (group) expect(liveGroupMembers(group.pgid)).toEqual([]);

    edge = await startLocalEdge({ persistDir: first.persistDir, port });
    expect(edge.url).toBe(first.url);
    expect(edge.persistDir).toBe(first.persistDir);
    expect((await fetch(`${edge.url}/healthz`)).status).toBe(200);
    await edge.stop();
  });
});
