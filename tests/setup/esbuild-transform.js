/**
 * Jest's TypeScript transform: esbuild (the compiler tsx already uses), emitting ES modules.
 * Not @swc/jest: the registry this project installs from lacks @swc/core's binaries for other
 * platforms, so a lock file naming them cannot be written and `npm ci` refuses the one that is.
 * Types are checked separately by `tsc` (npm run typecheck).
 */
import { transformSync } from 'esbuild';

export default {
  process(source, filename) {
    const { code } = transformSync(source, {
      loader: filename.endsWith('.tsx') ? 'tsx' : 'ts',
      format: 'esm',
      target: 'es2022',
      sourcemap: 'inline',
      sourcefile: filename,
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
    });
    return { code };
  },
};
