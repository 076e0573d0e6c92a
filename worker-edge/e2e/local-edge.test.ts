import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { portInUse, startLocalEdge, type LocalEdge } from './local-edge';

/** Linux: live (non-zombie) processes as [pid, pgid, command line]. */
function liveProcesses(): Array<{ pid: number; pgid: number; cmd: string }> {
  const out: Array<{ pid: number; pgid: number; cmd: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp ...
      if (fields[0] === 'Z') continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      out.push({ pid: Number(name), pgid: Number(fields[2]), cmd });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** The process group of the wrangler started for this persistDir (its workerd is in the same group). */
function groupOf(persistDir: string): number[] {
  const wrangler = liveProcesses().find((p) => p.cmd.includes('wrangler') && p.cmd.includes(persistDir));
  if (!wrangler) return [];
  return liveProcesses()
    .filter((p) => p.pgid === wrangler.pgid)
    .map((p) => p.pgid);
}
const groupAlive = (pgid: number) => liveProcesses().some((p) => p.pgid === pgid);

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
    if (process.platform === 'linux') expect(group.length).toBeGreaterThanOrEqual(2); // wrangler + workerd

    await edge.stop();
    expect(await portInUse(port)).toBe(false);
    await expect(fetch(`${edge.url}/healthz`)).rejects.toThrow();
    if (group[0] !== undefined) expect(groupAlive(group[0])).toBe(false);
  });

  it('kill() (SIGKILL, a simulated crash) also takes workerd down, and a restart reuses persistDir', async () => {
    const first = await startLocalEdge();
    const port = Number(new URL(first.url).port);
    const group = groupOf(first.persistDir);
    await first.kill();
    expect(await portInUse(port)).toBe(false);
    if (group[0] !== undefined) expect(groupAlive(group[0])).toBe(false);

    edge = await startLocalEdge({ persistDir: first.persistDir, port });
    expect(edge.url).toBe(first.url);
    expect(edge.persistDir).toBe(first.persistDir);
    expect((await fetch(`${edge.url}/healthz`)).status).toBe(200);
    await edge.stop();
  });
});
