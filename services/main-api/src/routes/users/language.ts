/** PUT /users/me/language: the web app keeps the language a user switches to (also their exports' default). */
import { type ApiRouter, ForbiddenError } from '@simcard/common';
import type { Db } from '@simcard/db';
import { z } from 'zod';
import { LANGUAGES } from '../../services/people-labels.js';

const LanguageBody = z.strictObject({ language: z.enum(LANGUAGES) });

export function userLanguageRoutes(
  api: ApiRouter,
  setLanguage: (userId: number, language: (typeof LANGUAGES)[number]) => Promise<void>,
): void {
  api.endpoint(
    {
      method: 'put',
      path: '/users/me/language',
      tag: 'Users',
      summary: "Keep the signed-in user's language (uz, ru, en): the web app's, and the default of their exports",
      description: 'Any signed-in user, for themselves; not audited (a preference). An API key has no user of its own: 403.',
      access: 'user',
      body: LanguageBody,
      responses: { 200: { description: 'Kept', schema: LanguageBody } },
    },
    async (ctx, { body, principal }) => {
      if (principal.apiKey || principal.userId <= 0) throw new ForbiddenError('An API key has no language of its own');
      await setLanguage(principal.userId, body.language);
      ctx.body = { language: body.language };
    },
  );
}

/** The one write: no token revocation, no audit (unlike changes to role, shop or password). */
export function languageSetter(db: Db) {
  return async (userId: number, language: string): Promise<void> => {
    await db('users').where({ id: userId }).update({ language });
  };
}
