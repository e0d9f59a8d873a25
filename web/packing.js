// The packing screen: what the bench is doing, updated on every event from the station.
import {
  api, boot, connectEvents, el, fill, grams, onLanguage, say, setupScanBox, showConnection, soundFor,
  t,
} from './common.js';

const view = {
  status: null,
  order: null,       // GET /api/orders/{n} of the order on screen
  orderNumber: null, // the open order, else the last one an event named (a shipped order stays)
  label: null,       // GET /api/labels/last
  lastEvent: null,   // the message on screen, kept to render it again in another language
  scale: null,
};

// Events that ask the packer for something: the message turns amber.
const WAITING = new Set([
  'approval.requested', 'parcel.awaiting_carrier_label', 'parcel.awaiting_label_scan',
  'order.complete',
]);

function messageKind(event) {
  if (!event.ok || event.type === 'label.failed') return 'error';
  if (event.type === 'order.shipped') return 'done';
  if (WAITING.has(event.type)) return 'wait';
  return 'ok';
}

function renderMessage() {
  const box = document.getElementById('message');
  const e = view.lastEvent;
  if (!e) {
    box.dataset.kind = 'none';
    box.textContent = view.status?.user ? (view.status.order ? '' : t('noOrder')) : t('nobody');
    return;
  }
  box.dataset.kind = messageKind(e);
  box.dataset.key = e.message_key ?? '';
  box.textContent = say(e.message_key, e.params, e.message);
}

function renderHeader() {
  const s = view.status;
  document.getElementById('station').textContent = s ? `${t('station')} ${s.station}` : 'stationd';
  document.getElementById('packer').textContent = s?.user ? s.user.name : t('nobody');
  document.title = `stationd — ${s?.station ?? ''}`;
}

function renderOrder() {
  const o = view.order;
  document.getElementById('order-number').textContent = o ? o.number : '';
  const info = document.getElementById('order-info');
  if (!o) {
    info.textContent = t('noOrder');
    fill(document.querySelector('#lines tbody'));
    fill(document.querySelector('#parcels tbody'));
    return;
  }
  info.textContent = [o.customer?.name, o.carrier, t(`states.${o.state}`)].filter(Boolean).join(' · ');
  fill(document.querySelector('#lines tbody'), o.lines.map((l) => el('tr', {
    class: l.packed >= l.quantity ? 'complete' : l.packed > 0 ? 'partial' : '',
    dataset: { sku: l.sku },
  },
  el('td', {}, l.name), el('td', {}, l.sku), el('td', {}, l.bin || t('none')),
  el('td', { class: 'num', 'data-testid': 'line-count' }, `${l.packed}/${l.quantity}`))));
  fill(document.querySelector('#parcels tbody'), o.parcels.map((p) => el('tr', {
    dataset: { parcel: p.index },
  },
  el('td', {}, p.index), el('td', {}, p.box || t('none')),
  el('td', {}, p.items.reduce((n, i) => n + i.quantity, 0)),
  el('td', { class: 'num' }, grams(p.expected_weight_grams)),
  el('td', { class: 'num' }, grams(p.weight_grams)),
  el('td', {}, p.tracking_number ?? t('none')),
  el('td', {}, el('span', { class: `badge ${p.state === 'open' ? 'wait' : 'ok'}` }, t(`states.${p.state}`))))));
}

function renderScale() {
  const s = view.scale;
  document.getElementById('weight').textContent = s ? grams(s.grams) : t('none');
  const badge = document.getElementById('scale-status');
  badge.textContent = s ? t(`scaleStatus.${s.status}`) : t('none');
  badge.className = `badge ${s?.status === 'stable' || s?.status === 'at_zero' ? 'ok' : 'wait'}`;
  badge.dataset.status = s?.status ?? '';
  const index = view.status?.parcel;
  const parcel = view.order?.parcels?.find((p) => p.index === index);
  document.getElementById('expected-weight').textContent =
    parcel ? grams(parcel.expected_weight_grams) : t('none');
}

function renderLabel() {
  const box = document.getElementById('label-status');
  const img = document.getElementById('label-preview');
  const l = view.label;
  if (!l) {
    box.textContent = t('noLabel');
    box.dataset.state = '';
    img.hidden = true;
    return;
  }
  box.dataset.state = l.state;
  fill(box,
    el('span', { class: `badge ${l.state === 'printed' ? 'ok' : ['failed', 'uncertain'].includes(l.state) ? 'error' : 'wait'}` },
      t(l.state)),
    ' ', `${t('order')} ${l.order ?? t('none')} · ${t('parcel')} ${l.parcel ?? t('none')} · ${l.printer}`,
    l.tracking_number ? el('div', {}, `${t('tracking')} ${l.tracking_number}`) : null,
    l.error ? el('div', { class: 'notice error' }, l.error) : null);
  if (img.dataset.src !== l.preview) {
    img.dataset.src = l.preview;
    img.src = l.preview;
  }
  img.hidden = false;
}

function render() {
  renderHeader();
  renderMessage();
  renderOrder();
  renderScale();
  renderLabel();
}

// One refresh at a time; events that arrive meanwhile ask for one more afterwards. The label
// is asked for again only when a label event says it changed.
let refreshing = false;
let again = false;
let labelStale = true;
async function refresh({ label = false } = {}) {
  labelStale ||= label;
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    view.status = await api('GET', '/api/status');
    view.scale = view.status.scale;
    if (view.status.order) view.orderNumber = view.status.order;
    view.order = view.orderNumber
      ? await api('GET', `/api/orders/${encodeURIComponent(view.orderNumber)}`).catch(() => null)
      : null;
    if (labelStale) {
      labelStale = false;
      view.label = await api('GET', '/api/labels/last').catch(() => null);
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

function onEvent(event, missed) {
  if (event.type === 'scale.reading') {
    view.scale = { ...(view.scale ?? {}), status: event.params.status, grams: event.params.grams };
    renderScale();
    if (!missed) return;
  } else if (event.type === 'label.printed' && view.lastEvent) {
    // Shown in the label panel: the message keeps what the scan said ("order shipped").
  } else {
    soundFor(event);
    view.lastEvent = event;
    if (event.order) view.orderNumber = event.order;
    renderMessage();
  }
  refresh({ label: event.type.startsWith('label.') || missed });
}

boot(async () => {
  setupScanBox((text) => {
    view.lastEvent = { ok: false, type: 'refused', message: text };
    renderMessage();
  });
  onLanguage(render);
  connectEvents({
    onState: showConnection,
    onStatus: (status) => {
      view.status = status;
      view.scale = status.scale;
      if (!view.lastEvent && status.last_event && status.last_event.type !== 'scale.reading') {
        view.lastEvent = status.last_event;
      }
      refresh({ label: true });
    },
    onEvent,
  });
  onLanguage(() => showConnection(document.getElementById('connection').dataset.state));
});
