/**
 * The life of a service process, in one place for every `server.ts`: read the configuration,
 * start, say where it listens, stop cleanly on SIGINT/SIGTERM, and on a failed start print one
 * line saying why (a bad setting, a port in use) and exit 1.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';

export interface ServiceSpec<S extends { url: string; close(): Promise<void> }> {
  name: string;
  /** The variable that sets its port, named when the port is taken. */
  portVariable: string;
  start(config: Config, log: Logger): Promise<S>;
  /** What to add after "listening on <url>". */
  describe?(config: Config): string;
}

export async function runService<S extends { url: string; close(): Promise<void> }>(spec: ServiceSpec<S>): Promise<void> {
  const log = createLogger(spec.name);
  try {
    const config = loadConfig();
    const service = await spec.start(config, log);
    log.info(`listening on ${service.url}${spec.describe ? ` (${spec.describe(config)})` : ''}`);
    const stop = async (signal: string) => {
      log.info(`${signal}: shutting down`);
      await service.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
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
