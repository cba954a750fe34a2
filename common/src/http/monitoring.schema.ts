import { z } from 'zod';

export const RootResponse = z
  .object({
    name: z.string(),
    version: z.string(),
    links: z.record(z.string(), z.string()),
  })
  .meta({ id: 'ApiInfo' });

export const HealthResponse = z
  .object({
    status: z.enum(['ok', 'degraded', 'unavailable']).meta({
      description:
        '`ok`; `degraded`: some part is failing (named in `failing`), this instance still serves; `unavailable` (503): its database does not answer',
    }),
    database: z.enum(['ok', 'unreachable']),
    version: z.string(),
    uptime_seconds: z.number().int(),
    instance: z
      .string()
      .optional()
      .meta({ description: 'This instance (INSTANCE_ID, else hostname:pid): which one of a cluster answered' }),
    checks: z
      .record(
        z.string(),
        z
          .object({
            status: z.enum(['ok', 'failing']),
            since: z.string().optional().meta({ description: 'When failing: since when (ISO-8601)' }),
          })
          .loose(),
      )
      .optional()
      .meta({ description: 'Each part by name (database, status_api, provider), with what was found' }),
    failing: z.array(z.string()).optional().meta({ description: 'The failing parts: only `database` makes the answer 503' }),
    last_check_run_at: z.string().nullable().optional().meta({ description: 'When the last completed check run finished' }),
    last_check_run_age_seconds: z.number().int().nullable().optional(),
    data_stale: z.boolean().nullable().optional().meta({
      description:
        'The auto-check is on and its last completed run is older than twice its interval (null: the auto-check is off); reported, not a 503',
    }),
  })
  .meta({ id: 'Health' });

export const LiveResponse = z.object({ status: z.literal('ok') }).meta({ id: 'HealthLive' });

export const ReadyResponse = z
  .object({ status: z.enum(['ok', 'unavailable']), database: z.enum(['ok', 'unreachable']) })
  .meta({ id: 'HealthReady' });

/** The only files /docs serves from swagger-ui-dist. */
export const DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;

export const DocsAssetParams = z.strictObject({ asset: z.enum(DOCS_ASSETS) });
