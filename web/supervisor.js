// The supervisor screen: devices and why they stop, the bench, the day's figures, the shop
// sync, the activity log, and the approvals a supervisor gives after signing in.
import {
  ApiError, api, boot, connectEvents, el, fill, formatTime, grams, onLanguage, onSession, say,
  session, showConnection, showLogin, t,
} from './common.js';

const view = { status: null, stats: null, sync: null, activity: null, result: null };

// What keeps a device from working, read from what it reports: the words of docs/devices.md.
function reasonsOf(device, status) {
  const reasons = [];
  const detail = (device.detail ?? '').toLowerCase();
  for (const [word, reason] of [['paper out', 'paper_out'], ['head open', 'head_open'],
    ['ribbon out', 'ribbon_out'], ['paused', 'paused'], ['disconnected', 'disconnected'],
    ['cannot connect', 'disconnected'], ['connection refused', 'disconnected'],
    ['did not answer', 'not_answering'], ['no answer', 'not_answering']]) {
    if (detail.includes(word) && !reasons.includes(reason)) reasons.push(reason);
  }
  if (device.role === 'scale' && status?.scale?.name === device.name) {
    if (status.scale.status === 'in_motion') reasons.push('unstable');
    if (status.scale.status === 'disconnected' && !reasons.includes('disconnected')) {
      reasons.push('disconnected');
    }
  }
  return reasons;
}

function renderDevices() {
  const s = view.status;
  fill(document.querySelector('#devices tbody'), (s?.devices ?? []).map((d) => {
    const reasons = reasonsOf(d, s);
    const bad = !d.up || reasons.length > 0;
    return el('tr', { dataset: { device: d.name, up: String(d.up), reasons: reasons.join(' ') } },
      el('td', {}, d.name),
      el('td', {}, `${d.role} (${d.kind})`),
      el('td', {}, el('span', { class: `badge ${!d.up ? 'error' : bad ? 'wait' : 'ok'}` },
        reasons.length ? reasons.map((r) => t(`reasons.${r}`)).join(', ') : t(d.up ? 'up' : 'down'))),
      el('td', { class: 'muted' }, d.detail,
        d.held ? el('div', { class: 'notice wait', dataset: { held: d.held } }, t('jobsHeld').replace('{n}', d.held)) : null,
        d.uncertain ? el('div', { class: 'notice error', dataset: { uncertain: d.uncertain } },
          t('jobsUncertain').replace('{n}', d.uncertain)) : null));
  }));
}

function renderBench() {
  const s = view.status;
  if (!s) return;
  document.getElementById('station').textContent = `${t('station')} ${s.station}`;
  fill(document.getElementById('bench-body'),
    el('div', { class: 'figures' },
      el('div', {}, el('span', { class: 'muted' }, t('packer')),
        el('b', { 'data-testid': 'bench-user' }, s.user ? s.user.name : t('none'))),
      el('div', {}, el('span', { class: 'muted' }, t('order')),
        el('b', { 'data-testid': 'bench-order' }, s.order ?? t('none'))),
      el('div', {}, el('span', { class: 'muted' }, t('parcel')), el('b', {}, s.parcel ?? t('none')))),
    s.user ? el('div', { class: 'muted' }, s.user.role) : null,
    s.awaiting ? el('div', { class: 'notice' }, `${t('awaiting')} ${t(`awaitingWhat.${s.awaiting}`)}`) : null,
    s.scale ? el('div', { class: 'muted' },
      `${t('scale')}: ${grams(s.scale.grams)} (${t(`scaleStatus.${s.scale.status}`)})`) : null,
    s.last_event ? el('div', { class: 'notice' },
      say(s.last_event.message_key, s.last_event.params, s.last_event.message)) : null);
}

function renderApprovals() {
  const s = view.status;
  const p = s?.pending_approval;
  const me = session().user;
  const body = document.getElementById('approval-body');
  if (!p) {
    fill(body, el('p', { class: 'muted', 'data-testid': 'nothing-pending' }, t('nothingPending')));
  } else {
    fill(body,
      el('div', { class: 'notice', 'data-testid': 'pending', dataset: { kind: p.kind } },
        el('b', {}, `${t('order')} ${p.order}`), el('div', {}, p.detail)),
      me ? null : el('p', { class: 'muted' }, t('supervisorToApprove')),
      el('div', { class: 'buttons' },
        el('button', { type: 'button', class: 'primary', 'data-testid': 'approve', onclick: () => approve(p.kind) },
          t('approve')),
        me ? null : el('button', { type: 'button', onclick: () => showLogin(false) }, t('signIn'))));
  }
  const result = document.getElementById('approval-result');
  if (view.result) {
    result.className = `notice ${view.result.ok ? 'ok' : 'error'}`;
    result.textContent = view.result.text;
    result.dataset.status = view.result.status ?? '';
  } else {
    result.className = '';
    result.textContent = '';
  }
}

async function approve(kind) {
  try {
    const answer = await api('POST', '/api/approvals/approve', { kind });
    // The approval itself, not what followed from it (the parcel closing, the order shipping).
    const e = answer.events?.find((x) => x.type === 'approval.granted') ?? answer.event;
    view.result = { ok: answer.ok, text: e ? say(e.message_key, e.params, answer.message) : answer.message };
  } catch (err) {
    view.result = { ok: false, text: err instanceof ApiError ? err.text : String(err), status: err.status };
    if (err.status === 401) showLogin(false);
  }
  renderApprovals();
  refreshStatus();
}

function renderToday() {
  const st = view.stats;
  if (!st) return;
  const rate = st.misscan_rate == null ? t('none') : `${(st.misscan_rate * 100).toFixed(1)} %`;
  fill(document.getElementById('today-body'), el('div', { class: 'figures' },
    [['ordersShipped', st.orders_shipped, 'orders'], ['parcels', st.parcels, 'parcels'],
      ['scans', st.scans, 'scans'], ['refused', st.refused, 'refused'],
      ['misscanRate', rate, 'misscan-rate']].map(([key, value, id]) =>
      el('div', {}, el('span', { class: 'muted' }, t(key)), el('b', { 'data-testid': `today-${id}` }, value)))));
  fill(document.querySelector('#per-hour tbody'), st.per_hour.map((h) => el('tr', {},
    el('td', {}, new Date(h.hour).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })),
    el('td', { class: 'num' }, h.scans), el('td', { class: 'num' }, h.refused),
    el('td', { class: 'num' }, h.parcels), el('td', { class: 'num' }, h.orders_shipped))));
}

function renderSync() {
  const y = view.sync;
  if (!y) return;
  const age = y.oldest_pending_age_seconds == null ? t('none') : `${y.oldest_pending_age_seconds} ${t('seconds')}`;
  fill(document.getElementById('sync-body'),
    el('div', { class: 'figures' },
      el('div', {}, el('span', { class: 'muted' }, t('adapter')), el('b', {}, y.adapter)),
      el('div', {}, el('span', { class: 'muted' }, t('pending')), el('b', { 'data-testid': 'sync-pending' }, y.pending)),
      el('div', {}, el('span', { class: 'muted' }, t('parked')), el('b', {}, y.parked)),
      el('div', {}, el('span', { class: 'muted' }, t('oldest')), el('b', {}, age))),
    el('div', {}, `${t('lastSuccess')}: ${formatTime(y.last_success_at)}`),
    el('div', { 'data-testid': 'sync-last-pull' }, `${t('lastPull')}: ${formatTime(y.last_pull_at)}`),
    y.last_error ? el('div', { class: 'notice error', 'data-testid': 'sync-error' },
      `${t('lastError')} (${formatTime(y.last_error_at)}): ${y.last_error}`) : null,
    (y.parked_rows ?? []).map((row) => el('div', { class: 'notice' },
      `#${row.id} ${row.kind} ${t('order')} ${row.order}: ${row.error} `,
      el('button', { type: 'button', onclick: () => retry(row.id) }, t('retry')))));
}

// Labels held for a printer, that may have printed, or that failed: each can be printed again.
function renderLabels() {
  const list = view.labels ?? [];
  fill(document.getElementById('labels-body'), list.length === 0
    ? el('div', { class: 'muted', 'data-testid': 'labels-none' }, t('labelsNone'))
    : list.map((l) => el('div', { class: `notice ${l.state === 'held' ? 'wait' : 'error'}`, dataset: { label: l.id, state: l.state } },
      `${t('label')} ${l.id} · ${t('order')} ${l.order ?? t('none')} · ${t('parcel')} ${l.parcel ?? t('none')} · ${l.printer}: ${t(l.state)} `,
      el('button', { type: 'button', onclick: () => reprintLabel(l.id) }, t('printAgain')),
      l.error ? el('div', { class: 'muted' }, l.error) : null)));
}

async function refreshLabels() {
  try {
    view.labels = (await api('GET', '/api/labels?state=held,uncertain,failed')).labels;
    renderLabels();
  } catch {
    // Signed out, or the daemon restarting: the next refresh shows them.
  }
}

async function reprintLabel(id) {
  try {
    const answer = await api('POST', `/api/labels/${id}/reprint`);
    view.result = { ok: true, text: answer.message };
  } catch (err) {
    view.result = { ok: false, text: err.text ?? String(err), status: err.status };
  }
  renderApprovals();
  refreshLabels();
}

async function retry(id) {
  try {
    view.sync = await api('POST', `/api/sync/rows/${id}/retry`);
    renderSync();
  } catch (err) {
    view.result = { ok: false, text: err.text ?? String(err), status: err.status };
    renderApprovals();
  }
}

function renderActivity() {
  fill(document.querySelector('#activity tbody'), (view.activity ?? []).map((a) => el('tr', { dataset: { kind: a.kind } },
    el('td', {}, formatTime(a.at)), el('td', {}, a.user ?? t('none')), el('td', {}, a.order ?? t('none')),
    el('td', {}, say(a.kind, a.params, a.message)))));
}

async function search(e) {
  e?.preventDefault();
  const form = document.getElementById('activity-form');
  const q = new URLSearchParams({ q: form.q.value.trim(), order: form.order.value.trim(), limit: '100' });
  try {
    view.activity = (await api('GET', `/api/activity?${q}`)).activity;
    renderActivity();
  } catch {
    // Signed out: the sign-in box is up.
  }
}

async function refreshStatus() {
  try {
    view.status = await api('GET', '/api/status');
    renderBench();
    renderDevices();
    renderApprovals();
  } catch {
    // The reconnect and the sign-in handle it.
  }
}

async function refreshSlow() {
  try {
    [view.stats, view.sync] = await Promise.all([api('GET', '/api/stats'), api('GET', '/api/sync')]);
    renderToday();
    renderSync();
    refreshLabels();
  } catch {
    // Same.
  }
}

function renderAll() {
  renderBench();
  renderDevices();
  renderApprovals();
  renderToday();
  renderSync();
  renderLabels();
  renderActivity();
}

boot(async () => {
  document.getElementById('activity-form').addEventListener('submit', search);
  onLanguage(renderAll);
  onSession(() => { renderApprovals(); refreshStatus(); refreshSlow(); search(); });
  let slowTimer = null;
  connectEvents({
    onState: showConnection,
    onStatus: (status) => {
      view.status = status;
      renderAll();
      refreshSlow();
      search();
    },
    onEvent: (event) => {
      if (event.type === 'scale.reading') return;
      refreshStatus();
      if (event.type.startsWith('label.') || event.type === 'printer.resumed') refreshLabels();
      // The figures and the log change with events too, but need not follow each one.
      slowTimer ??= setTimeout(() => { slowTimer = null; refreshSlow(); search(); }, 500);
    },
  });
  // Device states are not events: a printer running out of paper shows within two seconds.
  setInterval(refreshStatus, 2000);
  setInterval(refreshSlow, 10000);
});
