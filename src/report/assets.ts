import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { PageAssets } from './html.js';

/**
 * The page's parts from the package: Apache ECharts' minified build (a dependency) and the page's own script
 * and style (`assets/`, beside `src/` and `dist/`).
 */
export async function loadPageAssets(): Promise<PageAssets> {
  const require = createRequire(import.meta.url);
  const root = new URL('../../assets/', import.meta.url);
  const [chartLibrary, script, style] = await Promise.all([
    readFile(require.resolve('echarts/dist/echarts.min.js'), 'utf8'),
    readFile(new URL('report-page.js', root), 'utf8'),
    readFile(new URL('report-page.css', root), 'utf8'),
  ]);
  return { chartLibrary, script, style };
}
