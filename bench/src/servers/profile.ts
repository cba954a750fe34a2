/**
 * CPU_PROFILE=<file>: a bench server records a CPU profile (open it in Chrome DevTools) until it
 * stops. HEAP_PROFILE=<file>: likewise a sampling heap profile (where the allocations come from,
 * for the garbage collector's share; DevTools' Memory tab opens it).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

export async function startProfiling(): Promise<() => Promise<void>> {
  const cpuFile = process.env.CPU_PROFILE;
  const heapFile = process.env.HEAP_PROFILE;
  if (!cpuFile && !heapFile) return async () => {};
  const session = new Session();
  session.connect();
  if (cpuFile) {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  if (heapFile) {
    await session.post('HeapProfiler.enable');
    // Every 16 KB allocated on average; objects collected since are kept in the profile too (flags
    // below), as the collector's work is what the profile is for.
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as never);
  }
  return async () => {
    if (cpuFile) writeFileSync(cpuFile, JSON.stringify((await session.post('Profiler.stop')).profile));
    if (heapFile) writeFileSync(heapFile, JSON.stringify((await session.post('HeapProfiler.stopSampling')).profile));
  };
}
