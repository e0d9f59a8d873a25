// The returns screen: the return open at the desk, its items and their grades (given by
// command barcode or with the buttons here), the weight check; updated on every event.
import {
  api, boot, connectEvents, el, fill, grams, onLanguage, say, setupScanBox, showConnection, soundFor,
  t,
} from './common.js';

const GRADES = ['resellable', 'damaged', 'missing_parts', 'wrong_item'];

const view = {
  status: null,
  ret: null,      // the return on screen: the open one, else the last one this screen saw
  lastEvent: null,
  scale: null,
  gradeError: null,
};

function messageKind(event) {
  if (!event.ok) return 'error';
  if (event.type === 'return.closed') return 'done';
  if (event.message_key === 'return_item_received') return 'wait';  // its grade comes next
  return 'ok';
}

function renderMessage() {
  const box = document.getElementById('message');
  const e = view.lastEvent;
  if (!e) {
    box.dataset.kind = 'none';
    box.textContent = view.status?.user ? (view.ret ? '' : t('noReturn')) : t('nobody');
    return;
  }
  box.dataset.kind = messageKind(e);
  box.dataset.key = e.message_key ?? '';
  box.textContent = say(e.message_key, e.params, e.message);
}

function renderReturn() {
  const r = view.ret;
  const s = view.status;
  document.getElementById('station').textContent = s ? `${t('station')} ${s.station}` : 'stationd';
  document.getElementById('clerk').textContent = s?.user ? s.user.name : t('nobody');
  document.getElementById('return-rma').textContent = r?.rma ?? '';
  document.getElementById('return-order').textContent = r?.order ?? t('none');
  document.getElementById('return-info').textContent =
    r ? [r.state, r.opened_by].filter(Boolean).join(' · ') : t('noReturn');
  fill(document.querySelector('#return-items tbody'), (r?.items ?? []).map((item) => el('tr', {
    'data-testid': 'return-item',
    dataset: { index: item.index, condition: item.condition ?? '' },
    class: r.awaiting_grade === item.index ? 'partial' : '',
  },
  el('td', {}, item.index),
  el('td', {}, item.name, item.serial ? el('div', { class: 'muted' }, item.serial) : null),
  el('td', {}, item.sku),
  el('td', {}, item.bin || t('none')),
  el('td', {}, item.condition
    ? el('span', { class: `badge ${item.condition === 'resellable' ? 'ok' : 'error'}` }, t(`grades.${item.condition}`))
    : el('span', { class: 'badge wait' }, t('none'))),
  el('td', {}, r.state === 'open' ? el('div', { class: 'grades' }, GRADES.map((g) => el('button', {
    type: 'button',
    'data-grade': g,
    'aria-pressed': String(item.condition === g),
    onclick: () => grade(item.index, g),
  }, t(`grades.${g}`)))) : null))));
  fill(document.querySelector('#return-lines tbody'), (r?.lines ?? []).map((l) => el('tr', {
    class: l.received > 0 ? 'complete' : '',
  },
  el('td', {}, l.name), el('td', {}, l.sku), el('td', { class: 'num' }, l.shipped),
  el('td', { class: 'num' }, l.received + (l.other_returns ? ` (+${l.other_returns})` : '')))));
  const w = r?.weight;
  document.getElementById('return-weight').textContent = w
    ? `${t('weighing')}: ${grams(w.grams)}${w.expected_grams != null
      ? ` · ${t('expected')} ${grams(w.expected_grams)} ± ${grams(w.tolerance_grams)}` : ''}`
    : '';
  document.getElementById('return-weight').dataset.ok = w?.ok == null ? '' : String(w.ok);
  const error = document.getElementById('grade-error');
  error.className = view.gradeError ? 'notice error' : '';
  error.textContent = view.gradeError ?? '';
}

function renderScale() {
  const s = view.scale;
  document.getElementById('weight').textContent = s ? grams(s.grams) : t('none');
  const badge = document.getElementById('scale-status');
  badge.textContent = s ? t(`scaleStatus.${s.status}`) : t('none');
  badge.className = `badge ${s?.status === 'stable' || s?.status === 'at_zero' ? 'ok' : 'wait'}`;
}

function render() {
  renderMessage();
  renderReturn();
  renderScale();
}

async function grade(index, condition) {
  try {
    const answer = await api('POST', `/api/returns/current/items/${index}/grade`, { condition });
    view.ret = answer.return ?? view.ret;
    view.gradeError = null;
  } catch (e) {
    view.gradeError = e.text;
  }
  renderReturn();
}

let refreshing = false;
let again = false;
async function refresh() {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    view.status = await api('GET', '/api/status');
    view.scale = view.status.scale;
    if (view.status.return) {
      view.ret = view.status.return;
    } else if (view.ret) {
      // Closed or cancelled since: show how it ended.
      view.ret = await api('GET', `/api/returns/${view.ret.id}`).catch(() => view.ret);
    }
    render();
  } catch {
    // Signed out or the daemon went away: the session check or the reconnect deals with it.
  } finally {
    refreshing = false;
    if (again) {
      again = false;
      refresh();
    }
  }
}

boot(async () => {
  setupScanBox((text) => {
    view.lastEvent = { ok: false, type: 'refused', message: text };
    renderMessage();
  });
  onLanguage(render);
  onLanguage(() => showConnection(document.getElementById('connection').dataset.state));
  connectEvents({
    onState: showConnection,
    onStatus: (status) => {
      view.status = status;
      view.scale = status.scale;
      if (status.return) view.ret = status.return;
      refresh();
    },
    onEvent: (event) => {
      if (event.type === 'scale.reading') {
        view.scale = { ...(view.scale ?? {}), status: event.params.status, grams: event.params.grams };
        renderScale();
        return;
      }
      soundFor(event);
      view.lastEvent = event;
      renderMessage();
      refresh();
    },
  });
});
