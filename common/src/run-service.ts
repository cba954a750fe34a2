/**
 * The life of a service process, in one place for every `server.ts`: read the configuration,
 * start, say where it listens, stop cleanly on SIGINT/SIGTERM, and on a failed start print one
 * line saying why (a bad setting, a port in use) and exit 1.
 *
 * Stopping is bounded (SHUTDOWN_TIMEOUT_S, default 10 s): requests in flight may finish until
 * then; what is still running (a hung import, a request that never ends) is abandoned by the
 * process killing itself (SIGKILL: `process.exit` would wait for a native database call in
 * flight, seconds in the worst case). Its open transactions roll back: PostgreSQL aborts a
 * transaction whose connection closes, and SQLite never applies an uncommitted transaction's
 * pages. A second signal exits at once.
 */
import { type Config, ConfigError, loadConfig } from './config.js';
import { loadEnvFile } from './env-file.js';
import { createLogger, type Logger } from './logger.js';

/** A started service: where it listens, how to stop it, and (optionally) how to let its requests finish first. */
export interface RunningService {
  url: string;
  /** Stops taking requests and resolves once those in flight are answered (bounded by the caller). */
  drain?(): Promise<void>;
  close(): Promise<void>;
}

export interface ServiceSpec<S extends RunningService> {
  name: string;
  /** The variable that sets its port, named when the port is taken. */
  portVariable: string;
  start(config: Config, log: Logger): Promise<S>;
  /** What to add after "listening on <url>". */
  describe?(config: Config): string;
}

export async function runService<S extends RunningService>(spec: ServiceSpec<S>): Promise<void> {
  loadEnvFile(); // before the logger: LOG_LEVEL and LOG_FORMAT may come from .env
  const log = createLogger(spec.name);
  try {
    const config = loadConfig();
    const service = await spec.start(config, log);
    log.info(`listening on ${service.url}${spec.describe ? ` (${spec.describe(config)})` : ''}`);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        log.warn(`${signal} again: exiting now`);
        process.kill(process.pid, 'SIGKILL');
      }
      stopping = true;
      const boundMs = config.http.shutdownTimeoutMs;
      log.info(`${signal}: shutting down (at most ${boundMs / 1000} s)`);
      setTimeout(() => {
        log.error(`still busy after ${boundMs / 1000} s: abandoning in-flight work (its transactions roll back) and exiting`);
        process.kill(process.pid, 'SIGKILL');
      }, boundMs);
      try {
        await service.drain?.();
        await service.close();
      } catch (err) {
        log.error('could not close cleanly', { error: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      }
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  } catch (err) {
    if (err instanceof ConfigError) {
      log.error(err.message);
    } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      log.error(`port ${(err as { port?: number }).port ?? ''} is already in use (set ${spec.portVariable} to another)`);
    } else {
      log.error('failed to start', { error: err instanceof Error ? err.message : String(err) });
    }
    process.exit(1);
  }
}
