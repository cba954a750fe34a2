/** The main API's name and version, as `/` and `/openapi.json` give them. */
import { createRequire } from 'node:module';
import type { ApiInfo } from '@simcard/common';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const MAIN_API_INFO: ApiInfo = {
  title: 'SimCard Manager main API',
  version: pkg.version,
  description:
    'Shops, SIM cards, users. Errors are `{ error: { code, message, details } }`; lists are `{ data, total, limit, offset }`. ' +
    'Authenticate with `Authorization: Bearer <token>` (POST /auth/login) or `X-API-Key: <key>`.',
};
