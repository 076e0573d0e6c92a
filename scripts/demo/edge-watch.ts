/**
 * Watches the demo's local edge (wrangler dev and the workerd processes it starts) so that, if it ever stops, the
 * demo can say what stopped and why: which process ended first, its last memory use, and the last errors in
 * wrangler's log (which also receives workerd's own log lines; see WRANGLER_LOG_PATH in demo.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

interface RuntimeSample {
  pid: number;
  rssMb: number;
}

interface RuntimeEnd extends RuntimeSample {
  /** when the process was first seen missing */
  at: Date;
}

export interface EdgeWatch {
  /** A few lines for the terminal: what ended, when, and the last errors in wrangler's log. */
  describeExit(code: number | null, signal: NodeJS.Signals | null): string;
  stop(): void;
}

const SAMPLE_MS = 1000;
const LOG_ENTRIES_SHOWN = 8;

/** Samples the workerd processes of the process group `groupId` (wrangler dev started detached, so its pid). */
export function watchEdge(groupId: number, logPath: string): EdgeWatch {
  const alive = new Map<number, RuntimeSample>();
  const ended: RuntimeEnd[] = [];
  const timer = setInterval(() => {
    const seen = new Map(runtimeProcesses(groupId).map((sample) => [sample.pid, sample]));
    for (const [pid, last] of alive) if (!seen.has(pid)) ended.push({ ...last, at: new Date() });
    alive.clear();
    for (const [pid, sample] of seen) alive.set(pid, sample);
  }, SAMPLE_MS);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    describeExit(code, signal) {
      clearInterval(timer);
      const lines = [`wrangler dev exited with ${signal ? `signal ${signal}` : `code ${code}`}.`];
      if (ended.length) {
        for (const end of ended) lines.push(`workerd (pid ${end.pid}) ended before it at ${end.at.toISOString()}, last seen using ${end.rssMb} MB.`);
      } else if (alive.size) {
        lines.push(`workerd was still running (${[...alive.values()].map((s) => `pid ${s.pid}, ${s.rssMb} MB`).join('; ')}): wrangler itself stopped.`);
      } else {
        lines.push('No workerd process was seen running.');
      }
      const errors = lastLogEntries(logPath, ['error', 'warn']);
      if (errors.length) lines.push(`Last errors and warnings in ${logPath}:`, ...errors.map((entry) => `  ${entry}`));
      else lines.push(`No errors or warnings in ${logPath}.`);
      return lines.join('\n');
    },
  };
}

function runtimeProcesses(groupId: number): RuntimeSample[] {
  const samples: RuntimeSample[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the closing parenthesis.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (comm !== 'workerd' || pgrp !== groupId) continue;
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1] ?? 0);
      samples.push({ pid: Number(name), rssMb: Math.round(rssKb / 1024) });
    } catch {
      // the process ended while we read it
    }
  }
  return samples;
}

/** Wrangler's debug log holds entries "--- <time> <level>\n<message>\n---". */
function lastLogEntries(logPath: string, levels: readonly string[]): string[] {
  if (!existsSync(logPath)) return [];
  const entries = [...readFileSync(logPath, 'utf8').matchAll(/^--- (\S+) (\w+)\n([\s\S]*?)\n---$/gm)];
  return entries
    .filter((m) => levels.includes(m[2]!) && m[3]!.trim() !== '')
    .slice(-LOG_ENTRIES_SHOWN)
    .map((m) => `${m[1]} ${m[2]}: ${m[3]!.trim().split('\n').slice(0, 6).join(' | ').slice(0, 600)}`);
}
