/**
 * This process's name among the instances of a cluster (issue 18): INSTANCE_ID when set (e.g. the
 * systemd unit's `%i`), else `hostname:pid`. In every log line, every /metrics series (label
 * `instance_id`; Prometheus's own `instance` label is the scrape target) and /health.
 */
import { hostname } from 'node:os';

export const INSTANCE_ID: string = process.env['INSTANCE_ID']?.trim() || `${hostname()}:${process.pid}`;
