/** The processes a test started, found through the start script's own process group. */
import { execFileSync } from 'node:child_process';

export interface ProcessInfo {
  pid: number;
  args: string;
}

/** Every live process in process group `pgid` (the start script and all it spawned). */
export function processesInGroup(pgid: number): ProcessInfo[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === pgid && !m[3]!.startsWith('Z'))
    .map((m) => ({ pid: Number(m[1]), args: m[4]! }));
}

/**
 * The group's processes still alive after up to `withinMs`: a part's shell can exit a moment
 * before the server under it has finished closing.
 */
export async function survivorsOfGroup(pgid: number, withinMs = 10_000): Promise<ProcessInfo[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = processesInGroup(pgid);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
