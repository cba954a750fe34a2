/**
 * Lint rules for the whole repository (run by `npm test` through `npm run lint`).
 * Beyond the recommended sets: one import order, and the boundaries of the layout
 * (README "Layout"): features don't import each other, shared components import no
 * feature, services never import routes, the database layer never imports a service.
 *
 * Web pieces used by more than one feature live in ONE place: web/src/shared/ (ICCID helpers and
 * text, the scanner, the SIM table and its dialogs, figures, shared CSS); generic UI stays in
 * web/src/components/. Neither imports a feature.
 */
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

const restrict = (...patterns) => ['error', { patterns: patterns.map(([regex, message]) => ({ regex, message })) }];

export default tseslint.config(
  // Generated code, build output and test fixtures (deliberately odd input) are not ours to lint.
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'web/src/api/generated/**',
      '.ci/**',
      'coverage/**',
      'tests/fixtures/**',
      '**/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      // One block without blank lines (as the code is written): node:, packages, absolute, relative, then
      // side-effect imports (CSS) last, in their original order. The default puts side-effect imports
      // first, which would change the CSS cascade (a screen's CSS comes after its components').
      'simple-import-sort/imports': ['error', { groups: [['^node:', '^@?\\w', '^', '^\\.', '^\\u0000']] }],
      'simple-import-sort/exports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Declared types of external data are narrowed where they enter; `any` elsewhere is a smell, not an error.
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
  },
  {
    files: ['web/src/features/**'],
    rules: {
      'no-restricted-imports': restrict(
        ['^\\.\\./(?!\\.\\.)[^/]+/', 'a feature does not import another feature: move the shared part to shared/ (or components/, api/)'],
        ['/features/', 'a feature does not import another feature: move the shared part to shared/ (or components/, api/)'],
      ),
    },
  },
  {
    files: ['web/src/components/**', 'web/src/shared/**'],
    rules: { 'no-restricted-imports': restrict(['/features/', 'shared web code (components/, shared/) imports no feature']) },
  },
  {
    files: ['services/*/src/services/**'],
    rules: { 'no-restricted-imports': restrict(['/routes/', 'services never import routes (routes call services)']) },
  },
  {
    files: ['db/src/**'],
    rules: { 'no-restricted-imports': restrict(['services/', 'the database layer imports no service']) },
  },
);
