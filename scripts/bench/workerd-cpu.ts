/**
 * CPU time of the workerd processes under a `wrangler dev` (Linux: user + system time from /proc/<pid>/stat, every
 * thread, in clock ticks of 10 ms): the runtime that runs the worker, and wrangler's dev proxy apart. Read before and
 * after a stage that runs for seconds, so the tick is noise.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveGroupMembers } from '../harness';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface WorkerdCpu {
  /** the runtime that runs the worker and its Durable Objects (started with an inspector address) */
  runtimeMs: number;
  /** wrangler dev's proxy in front of it (the public port), which production does not have */
  proxyMs: number;
}

/** CPU milliseconds used so far by the workerd processes in process group `pgid` (wrangler's pid). */
export function workerdCpuMs(pgid: number): WorkerdCpu {
  if (process.platform !== 'linux') throw new Error('workerd CPU time is read from /proc: Linux only');
  const cpu: WorkerdCpu = { runtimeMs: 0, proxyMs: 0 };
  let runtimes = 0;
  for (const pid of liveGroupMembers(pgid)) {
    let stat: string;
    let commandLine: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'workerd') continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND; // utime + stime
    if (commandLine.includes('--inspector-addr')) {
      cpu.runtimeMs += ms;
      runtimes++;
    } else {
      cpu.proxyMs += ms;
    }
  }
  if (runtimes !== 1) throw new Error(`expected one workerd runtime (with --inspector-addr) in process group ${pgid}, found ${runtimes}`);
  return cpu;
}

/**
 * Keeps wrangler's output in a file under the temp dir and reports a reload of the worker (a reload mid-stage drops
 * the bench worker's kept rows and answers a POST in flight with 503).
 */
export function wranglerLog(log: (line: string) => void): (line: string) => void {
  const file = join(tmpdir(), `pa-bench-wrangler-${process.pid}.log`);
  log(`wrangler output: ${file}`);
  let ready = 0;
  return (line) => {
    appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
    if (/updated and ready|Reloading|Detected changes/i.test(line) || (/Ready on/.test(line) && ++ready > 1)) log(`wrangler: ${line.trim()}`);
  };
}
