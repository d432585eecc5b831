/* global document, window, location, fetch, URL, URLSearchParams, setTimeout, microsoftTeams */
// The claims tab in the browser: finds out who is asking (Teams SSO in production; the Teams
// context or the page's own user/tenant parameters in local mode), then fills the tables and
// draws the charts from /tab/api. Every text comes from the server in the reader's language;
// data is only ever inserted as text, never as HTML.

const strings = JSON.parse(document.getElementById('tab-strings').textContent);
const mode = document.body.dataset.mode;
const locale = document.body.dataset.locale;
const pageParams = new URLSearchParams(location.search);
const SVG = 'http://www.w3.org/2000/svg';
const STATUS_COLORS = {
  Submitted: '#5b5fc7',
  InReview: '#8f92e0',
  PartnerActionRequired: '#e3a21a',
  Disputed: '#ca5010',
  Approved: '#13a10e',
  Rejected: '#c4314b',
  Draft: '#9e9e9e',
};

function t(key, params = {}) {
  const template = strings[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (params[name] === undefined ? whole : String(params[name])));
}

const $ = (id) => document.getElementById(id);
const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
const formatInstant = (iso) => (iso ? dateTime.format(new Date(iso)) : '');

function formatDuration(ms) {
  const unit = (value, name) => new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'long' }).format(value);
  const hours = Math.max(0, Math.floor(ms / 3_600_000));
  const days = Math.floor(hours / 24);
  if (hours === 0) return unit(Math.max(1, Math.floor(Math.max(0, ms) / 60_000)), 'minute');
  if (days > 0) return hours % 24 > 0 ? `${unit(days, 'day')} ${unit(hours % 24, 'hour')}` : unit(days, 'day');
  return unit(hours, 'hour');
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

function showMessage(text, isError = false) {
  const message = $('message');
  message.textContent = text;
  message.classList.toggle('error', isError);
}

// ---- who is asking ---------------------------------------------------------------------------

/** Production: a fresh SSO token per request (teams-js caches it and renews it before it expires). */
const identity = { headers: async () => ({}), params: {} };

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
}

/** teams-js, from this server, only when the page is framed: a top-level page has no Teams host. */
function loadTeamsJs() {
  if (window.parent === window) return Promise.resolve(false);
  return new Promise((resolve) => {
    const script = element('script', { src: document.body.dataset.teamsJs });
    script.addEventListener('load', () => resolve(true));
    script.addEventListener('error', () => resolve(false));
    document.head.append(script);
  });
}

async function teamsContext() {
  if (!(await loadTeamsJs()) || typeof microsoftTeams === 'undefined') return undefined;
  try {
    await withTimeout(microsoftTeams.app.initialize(), 5000);
    return await microsoftTeams.app.getContext();
  } catch {
    return undefined;
  }
}

async function signIn() {
  const fromPage = mode === 'local' && pageParams.get('user') && pageParams.get('tenant');
  const context = fromPage ? undefined : await teamsContext();
  // Teams knows the reader's language better than the browser: reload once in it.
  const teamsLocale = context?.app?.locale;
  if (teamsLocale && !pageParams.has('lang') && teamsLocale.toLowerCase().split('-')[0] !== locale.toLowerCase().split('-')[0]) {
    const next = new URL(location.href);
    next.searchParams.set('lang', teamsLocale);
    location.replace(next.toString());
    return false;
  }
  if (mode === 'sso') {
    if (!context) throw new ApiFailure(strings.signInMissing);
    identity.headers = async () => ({ Authorization: `Bearer ${await microsoftTeams.authentication.getAuthToken()}` });
  } else if (fromPage) {
    identity.params = { user: pageParams.get('user'), tenant: pageParams.get('tenant') };
  } else if (context?.user?.id && context.user.tenant?.id) {
    identity.params = { user: context.user.id, tenant: context.user.tenant.id };
  }
  return true;
}

class ApiFailure extends Error {}

async function request(path, params = {}) {
  const query = new URLSearchParams({ ...params, ...identity.params, lang: locale });
  for (const [name, value] of [...query]) if (value === '') query.delete(name);
  const response = await fetch(`/tab/api/${path}?${query}`, { headers: await identity.headers() });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiFailure(body?.error?.message ?? response.statusText);
  }
  return response;
}

const api = async (path, params) => (await request(path, params)).json();

// ---- the claims table ------------------------------------------------------------------------

const table = { sort: 'changed', direction: 'desc', page: 1, pages: 1, filters: {} };

function filterParams() {
  return { ...table.filters, sort: table.sort, direction: table.direction };
}

function readFilters() {
  const form = $('filters');
  table.filters = Object.fromEntries(['text', 'status', 'program', 'customer', 'deadlineAfter', 'deadlineBefore'].map((name) => [name, form.elements[name].value.trim()]));
}

async function loadClaims() {
  const result = await api('claims', { ...filterParams(), page: table.page });
  table.page = result.page;
  table.pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const body = $('claims-table').tBodies[0];
  body.replaceChildren(
    ...result.rows.map((row) =>
      element(
        'tr',
        { 'data-claim': row.id },
        element('td', {}, element('button', { type: 'button', class: 'link', 'data-open': row.id }, row.id)),
        element('td', { 'data-status': row.status }, row.statusText),
        element('td', {}, row.program),
        element('td', {}, row.partnerName),
        element('td', {}, row.customer),
        element('td', {}, formatInstant(row.changed)),
        element('td', { title: row.deadlineText ?? '' }, formatInstant(row.deadline)),
      ),
    ),
  );
  if (result.rows.length === 0) body.append(element('tr', {}, element('td', { colspan: 7, class: 'muted' }, t('table.empty'))));
  $('count').textContent = t('table.count', { total: result.total });
  $('page').textContent = t('table.page', { page: table.page, pages: table.pages });
  $('previous').disabled = table.page <= 1;
  $('next').disabled = table.page >= table.pages;
  for (const header of $('claims-table').querySelectorAll('th[data-sort]')) {
    header.setAttribute('aria-sort', header.dataset.sort === table.sort ? (table.direction === 'asc' ? 'ascending' : 'descending') : 'none');
  }
}

async function openClaim(claimId) {
  const detail = await api(`claims/${encodeURIComponent(claimId)}`);
  $('detail-title').textContent = t('detail.title', { claimId: detail.id });
  $('detail-status').textContent = detail.statusLine;
  $('detail-facts').replaceChildren(...detail.facts.flatMap((fact) => [element('dt', {}, fact.title), element('dd', {}, fact.value)]));
  $('detail-deadlines').replaceChildren(
    ...(detail.deadlines.length
      ? detail.deadlines.map((deadline) => element('li', { 'data-deadline': deadline.name }, `${deadline.title}: ${formatInstant(deadline.at)}`))
      : [element('li', { class: 'muted' }, t('detail.noDeadlines'))]),
  );
  $('detail-poe').replaceChildren(
    ...(detail.poe.length
      ? detail.poe.map((file) =>
          element(
            'li',
            {},
            file.url ? element('a', { href: file.url, target: '_blank', rel: 'noopener noreferrer' }, file.name) : file.name,
            ` (${t('detail.uploaded', { at: formatInstant(file.uploadedAt) })})`,
          ),
        )
      : [element('li', { class: 'muted' }, t('detail.noPoe'))]),
  );
  $('detail-history').tBodies[0].replaceChildren(
    ...detail.history.map((entry) => {
      const what = [entry.action];
      if (entry.fromStatus) what.push(`${entry.fromStatus} → ${entry.toStatus}`);
      if (entry.reasons) what.push(entry.reasons);
      if (entry.comment) what.push(`“${entry.comment}”`);
      return element('tr', {}, element('td', {}, formatInstant(entry.at)), element('td', {}, `${entry.who} (${entry.role})`), element('td', {}, what.join(' · ')));
    }),
  );
  const section = $('detail');
  section.hidden = false;
  section.dataset.claim = detail.id;
  section.focus();
  section.scrollIntoView({ block: 'start' });
}

async function exportClaims(format) {
  const response = await request('export', { ...filterParams(), format });
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? `cpor-claims.${format}`;
  const url = URL.createObjectURL(await response.blob());
  const link = element('a', { href: url, download: name, hidden: '' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- reviewers: queue, workload, statistics ---------------------------------------------------

async function loadQueue() {
  const { rows } = await api('queue');
  const body = $('queue-table').tBodies[0];
  body.replaceChildren(
    ...rows.map((row) =>
      element(
        'tr',
        { 'data-claim': row.id, class: row.overdue ? 'overdue' : undefined },
        element('td', {}, element('button', { type: 'button', class: 'link', 'data-open': row.id }, row.id)),
        element('td', {}, row.partnerName, row.ownOrganisation ? element('div', { class: 'muted' }, t('queue.ownOrganisation')) : undefined),
        element('td', {}, row.program),
        element('td', {}, row.statusText),
        element('td', { 'data-age-ms': row.ageMs }, formatDuration(row.ageMs)),
        element('td', {}, formatInstant(row.slaDue), row.overdue ? element('span', { class: 'badge overdue' }, ` ${t('queue.overdue')}`) : undefined),
      ),
    ),
  );
  if (rows.length === 0) body.append(element('tr', {}, element('td', { colspan: 6, class: 'muted' }, t('queue.empty'))));
}

async function loadWorkload() {
  const { rows } = await api('workload');
  const body = $('workload-table').tBodies[0];
  body.replaceChildren(
    ...rows.map((row) =>
      element(
        'tr',
        { 'data-claim': row.claimId },
        element('td', {}, element('button', { type: 'button', class: 'link', 'data-open': row.claimId }, row.claimId)),
        element('td', {}, row.program ?? ''),
        element('td', {}, row.statusText),
        element('td', {}, String(row.actions)),
        element('td', {}, row.actionText),
        element('td', {}, formatInstant(row.lastActionAt)),
      ),
    ),
  );
  if (rows.length === 0) body.append(element('tr', {}, element('td', { colspan: 6, class: 'muted' }, t('workload.empty'))));
}

function chart(width, height, label) {
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, width, height });
}

function legend(items) {
  return element('div', { class: 'legend' }, ...items.map((item) => {
    const swatch = element('span', {}, item.label);
    swatch.style.setProperty('--swatch', item.color);
    return swatch;
  }));
}

function emptyChart(container) {
  container.replaceChildren(element('p', { class: 'muted' }, t('stats.empty')));
}

/** A stacked bar per day: the claims in each status at the end of the day. */
function drawByDay(container, stats) {
  const statuses = stats.statuses.filter((entry) => stats.byDay.some((day) => day.counts[entry.status]));
  if (statuses.length === 0) return emptyChart(container);
  const [width, height, left, bottom, top] = [640, 240, 36, 28, 10];
  const totals = stats.byDay.map((day) => Object.values(day.counts).reduce((sum, count) => sum + count, 0));
  const max = Math.max(1, ...totals);
  const plotHeight = height - bottom - top;
  const step = (width - left - 8) / stats.byDay.length;
  const root = chart(width, height, container.parentElement.querySelector('figcaption').textContent);
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight * (1 - fraction);
    root.append(svg('line', { x1: left, x2: width - 8, y1: y, y2: y, stroke: '#e0e0e0' }));
    root.append(svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#616161' }, String(Math.round(max * fraction))));
  }
  const labelEvery = Math.ceil(stats.byDay.length / 10);
  stats.byDay.forEach((day, index) => {
    const x = left + index * step + step * 0.15;
    let y = top + plotHeight;
    for (const entry of statuses) {
      const count = day.counts[entry.status] ?? 0;
      if (!count) continue;
      const barHeight = (count / max) * plotHeight;
      y -= barHeight;
      root.append(
        svg(
          'rect',
          { x, y, width: Math.max(1, step * 0.7), height: barHeight, fill: STATUS_COLORS[entry.status], 'data-day': day.day, 'data-status': entry.status, 'data-count': count },
          svg('title', {}, `${day.day} · ${entry.label}: ${count}`),
        ),
      );
    }
    if (index % labelEvery === 0) root.append(svg('text', { x: x + step * 0.35, y: height - 8, 'text-anchor': 'middle', 'font-size': 10, fill: '#616161' }, day.day.slice(5)));
  });
  container.replaceChildren(root, legend(statuses.map((entry) => ({ label: entry.label, color: STATUS_COLORS[entry.status] }))));
}

/** Horizontal bars with a label on the left and the value written after the bar. */
function horizontalBars(container, rows) {
  if (rows.length === 0) return emptyChart(container);
  const [width, rowHeight, left] = [640, 30, 220];
  const max = Math.max(...rows.map((row) => row.value), 1e-9);
  const root = chart(width, rows.length * rowHeight + 8, container.parentElement.querySelector('figcaption').textContent);
  rows.forEach((row, index) => {
    const y = 4 + index * rowHeight;
    const length = ((width - left - 170) * row.value) / max;
    root.append(svg('text', { x: left - 8, y: y + 17, 'text-anchor': 'end', 'font-size': 12, fill: '#242424' }, row.label));
    root.append(svg('rect', { x: left, y: y + 4, width: Math.max(row.value > 0 ? 2 : 0, length), height: 18, rx: 2, fill: row.color, ...row.data }, svg('title', {}, `${row.label}: ${row.text}`)));
    root.append(svg('text', { x: left + length + 6, y: y + 17, 'font-size': 12, fill: '#424242' }, row.text));
  });
  container.replaceChildren(root);
}

function drawTimeInStatus(container, stats) {
  horizontalBars(
    container,
    stats.timeInStatus.map((entry) => ({
      label: entry.label,
      value: entry.averageMs,
      color: STATUS_COLORS[entry.status],
      text: `${formatDuration(entry.averageMs)} (${t('stats.stays', { count: entry.stays })})`,
      data: { 'data-status': entry.status, 'data-average-ms': entry.averageMs, 'data-stays': entry.stays },
    })),
  );
}

/** One bar per SLA split into met (green) and missed (red), the rate written beside it. */
function drawSla(container, stats) {
  if (stats.sla.every((entry) => entry.met + entry.missed + entry.pending === 0)) return emptyChart(container);
  const [width, rowHeight, left, barWidth] = [640, 44, 220, 240];
  const root = chart(width, stats.sla.length * rowHeight + 8, container.parentElement.querySelector('figcaption').textContent);
  stats.sla.forEach((entry, index) => {
    const y = 4 + index * rowHeight;
    const measured = entry.met + entry.missed;
    const metWidth = measured ? (barWidth * entry.met) / measured : 0;
    root.append(svg('text', { x: left - 8, y: y + 17, 'text-anchor': 'end', 'font-size': 12, fill: '#242424' }, entry.label));
    const group = svg('g', { 'data-kind': entry.kind, 'data-met': entry.met, 'data-missed': entry.missed, 'data-pending': entry.pending });
    group.append(svg('rect', { x: left, y: y + 4, width: barWidth, height: 18, fill: '#f0f0f0' }));
    if (entry.met) group.append(svg('rect', { x: left, y: y + 4, width: metWidth, height: 18, fill: '#13a10e', class: 'met' }, svg('title', {}, t('stats.met', { count: entry.met }))));
    if (entry.missed) group.append(svg('rect', { x: left + metWidth, y: y + 4, width: barWidth - metWidth, height: 18, fill: '#c4314b', class: 'missed' }, svg('title', {}, t('stats.missed', { count: entry.missed }))));
    root.append(group);
    const rate = entry.rate === null ? t('stats.notMeasured') : percent.format(entry.rate);
    root.append(svg('text', { x: left + barWidth + 8, y: y + 17, 'font-size': 12, 'font-weight': 600, fill: '#242424' }, rate));
    const detail = [t('stats.met', { count: entry.met }), t('stats.missed', { count: entry.missed }), t('stats.pending', { count: entry.pending })].join(' · ');
    root.append(svg('text', { x: left, y: y + 37, 'font-size': 11, fill: '#616161' }, detail));
  });
  container.replaceChildren(root);
}

/** Per program, two bars: the approval rate and the information-request rate (0 to 100%). */
function drawPrograms(container, stats) {
  if (stats.programs.length === 0) return emptyChart(container);
  const [width, groupHeight, left, barWidth] = [640, 56, 140, 300];
  const root = chart(width, stats.programs.length * groupHeight + 8, container.parentElement.querySelector('figcaption').textContent);
  stats.programs.forEach((program, index) => {
    const y = 4 + index * groupHeight;
    root.append(svg('text', { x: left - 8, y: y + 16, 'text-anchor': 'end', 'font-size': 12, 'font-weight': 600, fill: '#242424' }, program.program));
    root.append(svg('text', { x: left - 8, y: y + 32, 'text-anchor': 'end', 'font-size': 11, fill: '#616161' }, t('stats.reviewed', { count: program.reviewed })));
    [
      ['approval', program.approvalRate, '#13a10e', t('stats.approvalRate')],
      ['information', program.informationRequestRate, '#e3a21a', t('stats.informationRate')],
    ].forEach(([kind, rate, color, label], bar) => {
      const barY = y + 4 + bar * 20;
      root.append(svg('rect', { x: left, y: barY, width: barWidth, height: 16, fill: '#f0f0f0' }));
      root.append(
        svg(
          'rect',
          { x: left, y: barY, width: barWidth * (rate ?? 0), height: 16, fill: color, 'data-program': program.program, 'data-rate-kind': kind, 'data-rate': rate ?? '' },
          svg('title', {}, `${label}: ${rate === null ? t('stats.notMeasured') : percent.format(rate)}`),
        ),
      );
      root.append(svg('text', { x: left + barWidth + 8, y: barY + 12, 'font-size': 11, fill: '#424242' }, `${label}: ${rate === null ? t('stats.notMeasured') : percent.format(rate)}`));
    });
  });
  container.replaceChildren(root, legend([{ label: t('stats.approvalRate'), color: '#13a10e' }, { label: t('stats.informationRate'), color: '#e3a21a' }]));
}

async function loadStatistics() {
  const stats = await api('statistics', { from: $('range-from').value, to: $('range-to').value });
  $('range-from').value = stats.from;
  $('range-to').value = stats.to;
  drawByDay($('chart-by-day').querySelector('.chart'), stats);
  drawTimeInStatus($('chart-time').querySelector('.chart'), stats);
  drawSla($('chart-sla').querySelector('.chart'), stats);
  drawPrograms($('chart-programs').querySelector('.chart'), stats);
  document.body.dataset.statistics = `${stats.from}..${stats.to}`;
}

// ---- wiring ------------------------------------------------------------------------------------

/** Runs a user action; a failure is shown in the status line, in the reader's language. */
function guarded(action) {
  return async (...args) => {
    try {
      showMessage('');
      await action(...args);
    } catch (error) {
      showMessage(error instanceof ApiFailure ? error.message : t('export.failed', { message: error?.message ?? String(error) }), true);
    }
  };
}

function wire() {
  $('filters').addEventListener(
    'submit',
    guarded(async (event) => {
      event.preventDefault();
      readFilters();
      table.page = 1;
      await loadClaims();
    }),
  );
  $('filters').addEventListener(
    'reset',
    guarded(async () => {
      await Promise.resolve();
      readFilters();
      table.page = 1;
      await loadClaims();
    }),
  );
  for (const button of document.querySelectorAll('button.sort')) {
    button.addEventListener(
      'click',
      guarded(async () => {
        const sort = button.dataset.sort;
        table.direction = table.sort === sort && table.direction === 'asc' ? 'desc' : 'asc';
        table.sort = sort;
        await loadClaims();
      }),
    );
  }
  $('previous').addEventListener('click', guarded(async () => ((table.page -= 1), await loadClaims())));
  $('next').addEventListener('click', guarded(async () => ((table.page += 1), await loadClaims())));
  document.body.addEventListener(
    'click',
    guarded(async (event) => {
      const opener = event.target.closest?.('button[data-open]');
      if (opener) await openClaim(opener.dataset.open);
    }),
  );
  $('detail-close').addEventListener('click', () => {
    $('detail').hidden = true;
  });
  for (const id of ['export-csv', 'export-xlsx']) $(id).addEventListener('click', guarded(() => exportClaims($(id).dataset.format)));
  $('range').addEventListener(
    'submit',
    guarded(async (event) => {
      event.preventDefault();
      await loadStatistics();
    }),
  );
}

async function start() {
  try {
    if (!(await signIn())) return;
    const me = await api('me');
    $('who').textContent = [me.name, me.organisation].filter(Boolean).join(' · ');
    if (me.view === 'none') return showMessage(t('noAccess'));
    document.body.dataset.view = me.view;
    $('intro').textContent = t(me.view === 'reviewer' ? 'reviewerIntro' : 'partnerIntro');
    for (const section of document.querySelectorAll('.reviewer-only')) section.hidden = me.view !== 'reviewer';
    wire();
    readFilters();
    $('views').hidden = false;
    await Promise.all([loadClaims(), ...(me.view === 'reviewer' ? [loadQueue(), loadWorkload(), loadStatistics()] : [])]);
    showMessage('');
    document.body.dataset.ready = 'true';
  } catch (error) {
    showMessage(error instanceof ApiFailure ? error.message : String(error?.message ?? error), true);
  }
}

start();
