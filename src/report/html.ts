import type { ReportData } from './report-data.js';

/** What the page is made of besides the data: the chart library's source, the page's script and style. */
export interface PageAssets {
  readonly chartLibrary: string;
  readonly script: string;
  readonly style: string;
}

/**
 * The report as one self-contained HTML file: the chart library, the style, the data (JSON) and the page's
 * script inline, so it opens with no network. Pure: the assets are passed in.
 */
export function renderReportHtml(data: ReportData, assets: PageAssets): string {
  const title = `qml-data report: ${data.window.days[0] ?? ''} → ${data.window.days[data.window.days.length - 1] ?? ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${assets.style}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(title)}</h1>
  <p class="meta">${escapeHtml(data.dataDir)} · generated ${escapeHtml(data.generatedAt)}</p>
  <nav><a href="#coverage">coverage</a><a href="#health">health</a><a href="#universe">universe</a><a href="#collector">collector</a><a href="#values">values</a></nav>
</header>
<main>
  <section id="coverage"><h2>Coverage</h2><p class="note">Each row is a store, each column a UTC day: the share of the rows its grid wants that are present, from the store's first row to where its venue's data reaches. Hover or click a cell for details.</p><div id="cell-detail" class="detail">Click a cell.</div><div id="coverage-charts"></div></section>
  <section id="health"><h2>Health</h2><div id="health-body"></div></section>
  <section id="universe"><h2>Universe</h2><div id="universe-body"></div></section>
  <section id="collector"><h2>Collector</h2><div id="collector-body"></div></section>
  <section id="values"><h2>Values</h2><div id="values-body"></div></section>
</main>
<script>${inlineScript(assets.chartLibrary)}</script>
<script id="report-data" type="application/json">${jsonForScript(data)}</script>
<script>${inlineScript(assets.script)}</script>
</body>
</html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a script element: no `</script>`, no `<!--`. */
function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A script's source safe inside a script element. */
function inlineScript(src: string): string {
  return src.replace(/<\/script/gi, '<\\/script');
}
