import type { Translator } from '../cards/i18n/i18n.js';
import { PROGRAMS, programShortName } from '../services/catalogue.js';
import { STATUSES } from '../services/model.js';

// The tab's one page, rendered on the server in the reader's language: the skeleton with every
// label, and the strings the script needs as a JSON data block (never executed). /tab/app.js
// fills the tables and draws the charts from the API; nothing is loaded from another origin.
// The teams-js bundle is loaded by the script only inside a frame (Teams, the playground): on its
// own it would ask a CDN for its list of host origins, which the CSP refuses (it then uses its
// built-in list).

export interface PageSettings {
  mode: 'local' | 'sso';
  /** Marks the script and the teams-js bundle, so a new release is not served from a stale cache. */
  assetVersion: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The keys of tab.json, cards and claims the script reads at run time. */
const SCRIPT_KEYS = [
  'tab.loading',
  'tab.noAccess',
  'tab.partnerIntro',
  'tab.reviewerIntro',
  'tab.table.empty',
  'tab.table.count',
  'tab.table.page',
  'tab.table.sortBy',
  'tab.detail.title',
  'tab.detail.noDeadlines',
  'tab.detail.noPoe',
  'tab.detail.uploaded',
  'tab.export.failed',
  'tab.queue.overdue',
  'tab.queue.ownOrganisation',
  'tab.queue.empty',
  'tab.workload.empty',
  'tab.stats.empty',
  'tab.stats.stays',
  'tab.stats.met',
  'tab.stats.missed',
  'tab.stats.pending',
  'tab.stats.notMeasured',
  'tab.stats.approvalRate',
  'tab.stats.informationRate',
  'tab.stats.reviewed',
];

function strings(t: Translator): string {
  const entries = { ...Object.fromEntries(SCRIPT_KEYS.map((key) => [key.slice('tab.'.length), t.t(key)])), signInMissing: t.t('tab.error.signIn.missing') };
  // `<` escaped so the data block can never close its own script element.
  return JSON.stringify(entries).replace(/</g, '\\u003c');
}

const h = escapeHtml;

function sortHeader(t: Translator, key: string, column: string): string {
  const label = t.t(`tab.table.${column}`);
  return `<th scope="col" aria-sort="none" data-sort="${key}"><button type="button" class="sort" data-sort="${key}" title="${h(t.t('tab.table.sortBy', { column: label }))}">${h(label)}</button></th>`;
}

export function tabPage(t: Translator, settings: PageSettings): string {
  const statusOptions = STATUSES.map((status) => `<option value="${status}">${h(t.t(`claims.status.${status}`))}</option>`).join('');
  const programOptions = PROGRAMS.map((program) => `<option value="${program}">${h(programShortName(program))}</option>`).join('');
  const v = encodeURIComponent(settings.assetVersion);
  return `<!DOCTYPE html>
<html lang="${h(t.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${h(t.t('tab.title'))}</title>
<style>${STYLE}</style>
<script type="application/json" id="tab-strings">${strings(t)}</script>
<script type="module" src="/tab/app.js?v=${v}"></script>
</head>
<body data-mode="${settings.mode}" data-locale="${h(t.locale)}" data-teams-js="/tab/teams.js?v=${v}">
<header>
  <h1>${h(t.t('tab.title'))}</h1>
  <p id="who" class="muted"></p>
</header>
<p id="message" role="status" aria-live="polite">${h(t.t('tab.loading'))}</p>
<main id="views" hidden>
<p id="intro" class="muted"></p>

<section id="queue-section" class="reviewer-only" aria-labelledby="queue-title" hidden>
  <h2 id="queue-title">${h(t.t('tab.queue.title'))}</h2>
  <div class="scroll"><table id="queue-table">
    <caption class="visually-hidden">${h(t.t('tab.queue.title'))}</caption>
    <thead><tr><th scope="col">${h(t.t('tab.table.id'))}</th><th scope="col">${h(t.t('tab.table.partner'))}</th><th scope="col">${h(t.t('tab.table.program'))}</th><th scope="col">${h(t.t('tab.table.status'))}</th><th scope="col">${h(t.t('tab.queue.waiting'))}</th><th scope="col">${h(t.t('tab.queue.due'))}</th></tr></thead>
    <tbody></tbody>
  </table></div>
</section>

<section id="stats-section" class="reviewer-only" aria-labelledby="stats-title" hidden>
  <h2 id="stats-title">${h(t.t('tab.stats.title'))}</h2>
  <form id="range" class="filters">
    <label>${h(t.t('tab.stats.from'))}<input type="date" name="from" id="range-from" required></label>
    <label>${h(t.t('tab.stats.to'))}<input type="date" name="to" id="range-to" required></label>
    <button type="submit" class="primary">${h(t.t('tab.stats.apply'))}</button>
  </form>
  <div class="charts">
    <figure id="chart-by-day"><figcaption>${h(t.t('tab.stats.byDay'))}<span class="muted"> · ${h(t.t('tab.stats.byDayNote'))}</span></figcaption><div class="chart"></div></figure>
    <figure id="chart-time"><figcaption>${h(t.t('tab.stats.timeInStatus'))}</figcaption><div class="chart"></div></figure>
    <figure id="chart-sla"><figcaption>${h(t.t('tab.stats.slaTitle'))}</figcaption><div class="chart"></div></figure>
    <figure id="chart-programs"><figcaption>${h(t.t('tab.stats.programs'))}</figcaption><div class="chart"></div></figure>
  </div>
</section>

<section id="workload-section" class="reviewer-only" aria-labelledby="workload-title" hidden>
  <h2 id="workload-title">${h(t.t('tab.workload.title'))}</h2>
  <div class="scroll"><table id="workload-table">
    <caption class="visually-hidden">${h(t.t('tab.workload.caption'))}</caption>
    <thead><tr><th scope="col">${h(t.t('tab.table.id'))}</th><th scope="col">${h(t.t('tab.table.program'))}</th><th scope="col">${h(t.t('tab.table.status'))}</th><th scope="col">${h(t.t('tab.workload.actions'))}</th><th scope="col">${h(t.t('tab.workload.lastAction'))}</th><th scope="col">${h(t.t('tab.detail.when'))}</th></tr></thead>
    <tbody></tbody>
  </table></div>
</section>

<section id="claims-section" aria-labelledby="claims-title">
  <h2 id="claims-title">${h(t.t('tab.table.caption'))}</h2>
  <form id="filters" class="filters" role="search" aria-label="${h(t.t('tab.filters.legend'))}">
    <label class="wide">${h(t.t('tab.filters.text'))}<input type="search" name="text" id="filter-text" maxlength="100" autocomplete="off"></label>
    <label>${h(t.t('tab.filters.status'))}<select name="status" id="filter-status"><option value="">${h(t.t('tab.filters.anyStatus'))}</option>${statusOptions}</select></label>
    <label>${h(t.t('tab.filters.program'))}<select name="program" id="filter-program"><option value="">${h(t.t('tab.filters.anyProgram'))}</option>${programOptions}</select></label>
    <label>${h(t.t('tab.filters.customer'))}<input type="text" name="customer" id="filter-customer" maxlength="100" autocomplete="off"></label>
    <label>${h(t.t('tab.filters.deadlineAfter'))}<input type="date" name="deadlineAfter" id="filter-after"></label>
    <label>${h(t.t('tab.filters.deadlineBefore'))}<input type="date" name="deadlineBefore" id="filter-before"></label>
    <div class="buttons">
      <button type="submit" class="primary" id="apply">${h(t.t('tab.filters.apply'))}</button>
      <button type="reset" id="reset">${h(t.t('tab.filters.reset'))}</button>
    </div>
  </form>
  <div class="toolbar">
    <span id="count" aria-live="polite"></span>
    <span class="buttons">
      <button type="button" id="export-csv" data-format="csv">${h(t.t('tab.export.csv'))}</button>
      <button type="button" id="export-xlsx" data-format="xlsx">${h(t.t('tab.export.xlsx'))}</button>
    </span>
  </div>
  <div class="scroll"><table id="claims-table">
    <caption class="visually-hidden">${h(t.t('tab.table.caption'))}</caption>
    <thead><tr>${sortHeader(t, 'id', 'id')}${sortHeader(t, 'status', 'status')}<th scope="col">${h(t.t('tab.table.program'))}</th><th scope="col">${h(t.t('tab.table.partner'))}</th><th scope="col">${h(t.t('tab.table.customer'))}</th>${sortHeader(t, 'changed', 'changed')}${sortHeader(t, 'deadline', 'deadline')}</tr></thead>
    <tbody></tbody>
  </table></div>
  <nav class="pager" aria-label="${h(t.t('tab.table.caption'))}">
    <button type="button" id="previous">${h(t.t('tab.table.previous'))}</button>
    <span id="page"></span>
    <button type="button" id="next">${h(t.t('tab.table.next'))}</button>
  </nav>
</section>

<section id="detail" aria-labelledby="detail-title" tabindex="-1" hidden>
  <div class="detail-head"><h2 id="detail-title"></h2><button type="button" id="detail-close">${h(t.t('tab.detail.close'))}</button></div>
  <p id="detail-status" class="status-line"></p>
  <h3>${h(t.t('tab.detail.facts'))}</h3>
  <dl id="detail-facts"></dl>
  <h3>${h(t.t('tab.detail.deadlines'))}</h3>
  <ul id="detail-deadlines"></ul>
  <h3>${h(t.t('tab.detail.poe'))}</h3>
  <ul id="detail-poe"></ul>
  <h3>${h(t.t('tab.detail.history'))}</h3>
  <div class="scroll"><table id="detail-history">
    <caption class="visually-hidden">${h(t.t('tab.detail.history'))}</caption>
    <thead><tr><th scope="col">${h(t.t('tab.detail.when'))}</th><th scope="col">${h(t.t('tab.detail.who'))}</th><th scope="col">${h(t.t('tab.detail.what'))}</th></tr></thead>
    <tbody></tbody>
  </table></div>
</section>
</main>
</body>
</html>
`;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;padding:16px 20px 32px;background:#f5f5f5;color:#242424;font:14px/1.45 "Segoe UI",system-ui,-apple-system,Roboto,Helvetica,Arial,sans-serif}
header{display:flex;align-items:baseline;gap:16px;flex-wrap:wrap}
h1{margin:0 0 4px;font-size:1.4rem}
h2{margin:0 0 12px;font-size:1.1rem}
h3{margin:16px 0 6px;font-size:.95rem}
.muted{color:#616161}
section{background:#fff;border-radius:8px;padding:16px;margin:0 0 16px;box-shadow:0 1px 3px rgba(0,0,0,.1)}
.filters{display:flex;flex-wrap:wrap;gap:10px 14px;align-items:flex-end;margin-bottom:12px}
.filters label{display:flex;flex-direction:column;gap:3px;font-weight:600;font-size:.8125rem}
.filters label.wide{flex:1 1 240px}
input,select,button{font:inherit;padding:6px 8px;border:1px solid #d1d1d1;border-radius:4px;background:#fff;color:inherit}
button{cursor:pointer;font-weight:600}
button.primary{background:#5b5fc7;border-color:#5b5fc7;color:#fff}
button:disabled{opacity:.5;cursor:default}
:focus-visible{outline:2px solid #5b5fc7;outline-offset:2px}
.buttons{display:flex;gap:8px}
.toolbar{display:flex;justify-content:space-between;align-items:center;gap:8px;margin:4px 0 8px;flex-wrap:wrap}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e0e0e0;vertical-align:top}
th{font-size:.8125rem;color:#424242;white-space:nowrap}
th button.sort{border:0;background:none;padding:0;font-weight:700;color:inherit}
th[aria-sort=ascending] button.sort::after{content:" \\25B2"}
th[aria-sort=descending] button.sort::after{content:" \\25BC"}
td button.link{white-space:nowrap;border:0;background:none;padding:0;color:#4f52b2;text-decoration:underline;font-weight:600}
tr.overdue td{background:#fdf3f4}
.badge{display:inline-block;padding:1px 6px;border-radius:10px;font-size:.75rem;background:#eee}
.badge.overdue{background:#c4314b;color:#fff}
.pager{display:flex;gap:10px;align-items:center;justify-content:flex-end;margin-top:8px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:20px}
figure{margin:0}
figcaption{font-weight:600;margin-bottom:6px}
.chart svg{width:100%;height:auto;display:block}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:.75rem;margin-top:4px}
.legend span::before{content:"";display:inline-block;width:10px;height:10px;margin-right:4px;background:var(--swatch)}
#detail{border-top:4px solid #5b5fc7}
.detail-head{display:flex;justify-content:space-between;align-items:center}
.status-line{font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dt{color:#616161}
dd{margin:0}
ul{margin:0;padding-left:18px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
#message:empty{display:none}
#message.error{color:#c4314b;font-weight:600}
`;
