// Loaded with `node --import` by a test: prints a line on stderr whenever anything resolves `ccxt`.
import { register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === 'ccxt' || specifier.includes('/node_modules/ccxt/')) process.stderr.write('CCXT-IMPORTED\\n');
  return next(specifier, context);
}`));
