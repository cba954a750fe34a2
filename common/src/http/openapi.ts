import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { ApiRouter } from './api-router.js';

export interface ApiInfo {
  title: string;
  version: string;
  description: string;
}

/** The OpenAPI 3.1 document, generated from the same schemas that validate requests. */
export function buildOpenApiDocument(api: ApiRouter, info: ApiInfo): object {
  return new OpenApiGeneratorV31(api.registry.definitions).generateDocument({ openapi: '3.1.0', info: { ...info } });
}
