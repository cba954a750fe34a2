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
    status: z.enum(['ok', 'unavailable']),
    database: z.enum(['ok', 'unreachable']),
    version: z.string(),
    uptime_seconds: z.number().int(),
    checks: z
      .record(z.string(), z.object({ status: z.enum(['ok', 'failing']) }).loose())
      .optional()
      .meta({ description: 'Each dependency by name (database, status_api, provider), with what was found' }),
    failing: z.array(z.string()).optional().meta({ description: 'The parts that make the answer 503' }),
    last_check_run_at: z.string().nullable().optional().meta({ description: 'When the last completed check run finished' }),
    last_check_run_age_seconds: z.number().int().nullable().optional(),
    data_stale: z
      .boolean()
      .nullable()
      .optional()
      .meta({ description: 'The auto-check is on and its last completed run is older than twice its interval (null: the auto-check is off); reported, not a 503' }),
  })
  .meta({ id: 'Health' });

/** The only files /docs serves from swagger-ui-dist. */
export const DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;

export const DocsAssetParams = z.strictObject({ asset: z.enum(DOCS_ASSETS) });
