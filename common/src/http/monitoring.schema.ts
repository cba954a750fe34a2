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
  })
  .meta({ id: 'Health' });

/** The only files /docs serves from swagger-ui-dist. */
export const DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;

export const DocsAssetParams = z.strictObject({ asset: z.enum(DOCS_ASSETS) });
