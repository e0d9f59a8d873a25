// What the three screens share: the station's messages in French and English, the API with
// its sign-in, the live events over a WebSocket that reconnects by itself, and the sounds.

const UI = {
  en: {
    station: 'Station', packer: 'Packer', order: 'Order', parcel: 'Parcel', parcels: 'Parcels',
    lines: 'Lines', item: 'Item', sku: 'SKU', bin: 'Bin', packed: 'Packed', scale: 'Scale',
    expected: 'expected', label: 'Label', noLabel: 'No label printed yet', nobody: 'Nobody — scan your badge',
    noOrder: 'No order open — scan an order number', live: 'Live', reconnecting: 'Reconnecting…',
    signIn: 'Sign in', signOut: 'Sign out', badgeOrPin: 'Badge or PIN', cancel: 'Cancel',
    scanHere: 'Scan here (keyboard scanner)', soundOff: 'Sound off: touch the screen to enable it',
    signInNeeded: 'Sign in with your badge or PIN', box: 'Box', state: 'State', weight: 'Weight',
    tracking: 'Tracking', items: 'Items', device: 'Device', role: 'Role', detail: 'Detail',
    devices: 'Devices', bench: 'Bench', today: "Today", perHour: 'Per hour', hour: 'Hour',
    scans: 'Scans', refused: 'Refused', misscanRate: 'Mis-scan rate', ordersShipped: 'Orders shipped',
    sync: 'Shop sync', adapter: 'Adapter', pending: 'Pending', parked: 'Parked', oldest: 'Oldest pending',
    lastError: 'Last error', lastSuccess: 'Last success', lastPull: 'Last pull of orders', retry: 'Retry',
    activity: 'Activity log',
    search: 'Search', text: 'Text', at: 'At', user: 'User', message: 'Message', approvals: 'Approvals',
    approve: 'Approve', nothingPending: 'Nothing is waiting for a supervisor',
    supervisorToApprove: 'Sign in as a supervisor to approve', awaiting: 'Waiting for',
    up: 'working', down: 'not working', none: '—', printed: 'printed', failed: 'failed',
    queued: 'queued', voided: 'voided', held: 'waiting for the printer', sending: 'sending',
    uncertain: 'may have printed: look at the printer', withdrawn: 'withdrawn', seconds: 's',
    jobsHeld: '{n} job(s) waiting for this printer',
    labelsToCheck: 'Labels to check', labelsNone: 'No label is waiting or in doubt',
    printAgain: 'Print again',
    jobsUncertain: '{n} job(s) may have printed: look at the printer', returnTitle: 'Return', grade: 'Grade',
    returned: 'Returned', shipped: 'Shipped', condition: 'Condition', restockBin: 'Restock bin',
    noReturn: 'No return open — scan a return slip or an order number',
    returnsUnavailable: 'This station does not handle returns yet', weighing: 'Weighing',
    reasons: {
      paper_out: 'paper out', head_open: 'head open', ribbon_out: 'ribbon out', paused: 'paused',
      unstable: 'scale unstable', disconnected: 'disconnected', not_answering: 'not answering',
    },
    scaleStatus: {
      stable: 'stable', in_motion: 'unstable', at_zero: 'empty', under_zero: 'below zero',
      overload: 'overload', fault: 'fault', needs_calibration: 'needs calibration',
      disconnected: 'disconnected',
    },
    awaitingWhat: {
      serial: 'a serial number', carrier_label: 'the carrier label', label_scan: 'the label barcode',
      approval: 'a supervisor',
    },
    grades: {
      resellable: 'Resellable', damaged: 'Damaged', missing_parts: 'Missing parts',
      wrong_item: 'Wrong item',
    },
    states: {
      ready: 'ready', awaiting_payment: 'awaiting payment', in_progress: 'being packed',
      partially_shipped: 'partly shipped', shipped: 'shipped', cancelled: 'cancelled',
      open: 'open', labelled: 'labelled', closed: 'closed',
    },
  },
  fr: {
    station: 'Poste', packer: 'Emballeur', order: 'Commande', parcel: 'Colis', parcels: 'Colis',
    lines: 'Lignes', item: 'Article', sku: 'Réf.', bin: 'Empl.', packed: 'Emballé', scale: 'Balance',
    expected: 'attendu', label: 'Étiquette', noLabel: "Aucune étiquette imprimée pour l'instant",
    nobody: 'Personne — scannez votre badge',
    noOrder: 'Aucune commande ouverte — scannez un numéro de commande', live: 'En direct',
    reconnecting: 'Reconnexion…', signIn: 'Se connecter', signOut: 'Se déconnecter',
    badgeOrPin: 'Badge ou code PIN', cancel: 'Annuler',
    scanHere: 'Scannez ici (lecteur clavier)',
    soundOff: "Son coupé : touchez l'écran pour l'activer",
    signInNeeded: 'Connectez-vous avec votre badge ou votre code PIN', box: 'Carton', state: 'État',
    weight: 'Poids', tracking: 'Suivi', items: 'Articles', device: 'Appareil', role: 'Rôle',
    detail: 'Détail', devices: 'Appareils', bench: 'Poste', today: "Aujourd'hui",
    perHour: 'Par heure', hour: 'Heure', scans: 'Scans', refused: 'Refusés',
    misscanRate: "Taux d'erreurs de scan", ordersShipped: 'Commandes expédiées',
    sync: 'Synchronisation boutique', adapter: 'Connecteur', pending: 'En attente',
    parked: 'Bloqués', oldest: 'Plus ancien en attente', lastError: 'Dernière erreur',
    lastSuccess: 'Dernier succès', lastPull: 'Dernière lecture des commandes', retry: 'Renvoyer',
    activity: "Journal d'activité",
    search: 'Rechercher', text: 'Texte', at: 'Date', user: 'Utilisateur', message: 'Message',
    approvals: 'Validations', approve: 'Valider',
    nothingPending: "Rien n'attend de superviseur",
    supervisorToApprove: 'Connectez-vous comme superviseur pour valider',
    awaiting: 'En attente de', up: 'en service', down: 'hors service', none: '—',
    printed: 'imprimée', failed: 'en échec', queued: 'en file', voided: 'annulée',
    held: "attend l'imprimante", sending: "en cours d'envoi",
    uncertain: "peut-être imprimée : regardez l'imprimante", withdrawn: 'retirée', seconds: 's',
    jobsHeld: '{n} impression(s) en attente de cette imprimante',
    labelsToCheck: 'Étiquettes à vérifier', labelsNone: "Aucune étiquette en attente ni en doute",
    printAgain: 'Réimprimer',
    jobsUncertain: "{n} impression(s) peut-être sortie(s) : regardez l'imprimante",
    returnTitle: 'Retour', grade: 'État', returned: 'Retourné', shipped: 'Expédié',
    condition: 'État', restockBin: 'Emplacement de rangement',
    noReturn: 'Aucun retour ouvert — scannez un bon de retour ou un numéro de commande',
    returnsUnavailable: 'Ce poste ne gère pas encore les retours', weighing: 'Pesée',
    reasons: {
      paper_out: 'plus de papier', head_open: 'tête ouverte', ribbon_out: 'plus de ruban',
      paused: 'en pause', unstable: 'balance instable', disconnected: 'déconnecté',
      not_answering: 'ne répond pas',
    },
    scaleStatus: {
      stable: 'stable', in_motion: 'instable', at_zero: 'vide', under_zero: 'sous zéro',
      overload: 'surcharge', fault: 'défaut', needs_calibration: 'à étalonner',
      disconnected: 'déconnectée',
    },
    awaitingWhat: {
      serial: 'un numéro de série', carrier_label: "l'étiquette transporteur",
      label_scan: "le code-barres de l'étiquette", approval: 'un superviseur',
    },
    grades: {
      resellable: 'Revendable', damaged: 'Abîmé', missing_parts: 'Incomplet',
      wrong_item: 'Mauvais article',
    },
    states: {
      ready: 'prête', awaiting_payment: 'en attente de paiement', in_progress: 'en cours',
      partially_shipped: 'expédiée en partie', shipped: 'expédiée', cancelled: 'annulée',
      open: 'ouvert', labelled: 'étiqueté', closed: 'fermé',
    },
  },
};

const state = {
  lang: 'en',
  stationLang: 'en',
  catalogue: {},  // by language, loaded from GET /api/messages
  session: { user: null, trusted: true },
  onLanguage: [],
  onSession: [],
};

export function lang() {
  return state.lang;
}

// A word of the screens themselves ("Order", "Parcels"); dotted keys reach the nested tables.
export function t(key) {
  const pick = (table) => key.split('.').reduce((o, k) => (o == null ? undefined : o[k]), table);
  return pick(UI[state.lang]) ?? pick(UI.en) ?? key;
}

function format(template, params) {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name) => {
    if (!params || !(name in params)) return whole;
    const v = params[name];
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

// A sentence of the station (an event, a refusal) in the language on screen; what the server
// rendered when the catalogue does not know the key.
export function say(key, params, fallback) {
  const template = state.catalogue[state.lang]?.[key];
  return template ? format(template, params) : (fallback ?? key);
}

async function loadCatalogue(code) {
  if (state.catalogue[code]) return;
  try {
    const r = await fetch(`/api/messages?lang=${code}`);
    if (r.ok) state.catalogue[code] = (await r.json()).messages;
  } catch {
    // Without the catalogue the screen shows the sentences as the station rendered them.
  }
}

export async function setLanguage(code) {
  await loadCatalogue(code);
  state.lang = code;
  localStorage.setItem('stationd.lang', code);
  document.documentElement.lang = code;
  translateStatic();
  renderSessionBar();
  for (const f of state.onLanguage) f(code);
}

export function onLanguage(f) {
  state.onLanguage.push(f);
}

// Elements that carry data-t="key" get the word in the screen's language.
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll('[data-t-placeholder]')) {
    el.placeholder = t(el.dataset.tPlaceholder);
  }
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c != null && c !== false));
}

export function formatTime(iso) {
  if (!iso) return t('none');
  const d = new Date(iso);
  return d.toLocaleString(state.lang === 'fr' ? 'fr-FR' : 'en-GB', {
    hour: '2-digit', minute: '2-digit', second: '2-digit', day: '2-digit', month: '2-digit',
  });
}

export function grams(g) {
  if (g == null) return t('none');
  return `${Number(g).toLocaleString(state.lang === 'fr' ? 'fr-FR' : 'en-GB')} g`;
}

// ---- The API and the sign-in ----------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
  // The refusal in the screen's language when the station said which sentence it is.
  get text() {
    return this.body?.message_key ? say(this.body.message_key, this.body.params, this.message)
      : this.message;
  }
}

export async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const type = r.headers.get('Content-Type') ?? '';
  const data = type.startsWith('application/json') ? await r.json() : await r.text();
  if (!r.ok) {
    if (r.status === 401 && path !== '/api/login') refreshSession();
    throw new ApiError(r.status, typeof data === 'object' ? data : { error: data });
  }
  return data;
}

export function session() {
  return state.session;
}

export function onSession(f) {
  state.onSession.push(f);
}

let sessionCheck = null;
export function refreshSession() {
  sessionCheck ??= (async () => {
    try {
      const r = await fetch('/api/session');
      if (r.ok) {
        const s = await r.json();
        state.session = s;
        state.stationLang = s.language ?? state.stationLang;
        renderSessionBar();
        for (const f of state.onSession) f(s);
        if (!s.user && !s.trusted) showLogin(true);
      }
    } catch {
      // The daemon is away (a restart): the event stream's reconnect asks again.
    } finally {
      sessionCheck = null;
    }
    return state.session;
  })();
  return sessionCheck;
}

let loginResolve = null;
export function showLogin(required = false) {
  const dialog = document.getElementById('login');
  dialog.dataset.required = required ? 'yes' : 'no';
  dialog.querySelector('[data-role=cancel]').hidden = required;
  if (!dialog.open) {
    dialog.querySelector('.login-error').textContent = '';
    dialog.querySelector('input').value = '';
    dialog.showModal();
  }
  dialog.querySelector('input').focus();
  return new Promise((resolve) => { loginResolve = resolve; });
}

async function submitLogin(event) {
  event.preventDefault();
  const dialog = document.getElementById('login');
  const input = dialog.querySelector('input');
  const code = input.value.trim();
  if (!code) return;
  try {
    await api('POST', '/api/login', { code });
    dialog.close();
    await refreshSession();
    loginResolve?.(true);
  } catch (e) {
    dialog.querySelector('.login-error').textContent = e.text;
    input.value = '';
    input.focus();
  }
}

export async function logout() {
  await fetch('/api/logout', { method: 'POST' }).catch(() => {});
  await refreshSession();
}

function renderSessionBar() {
  const bar = document.getElementById('session');
  if (!bar) return;
  const s = state.session;
  fill(bar,
    s.user ? el('span', { class: 'who', 'data-testid': 'signed-in' }, `${s.user.name} (${s.user.role})`) : null,
    s.user ? el('button', { type: 'button', onclick: () => logout() }, t('signOut'))
      : el('button', { type: 'button', onclick: () => showLogin(!s.trusted) }, t('signIn')));
}

function buildLoginDialog() {
  const dialog = el('dialog', { id: 'login' },
    el('form', { method: 'dialog', onsubmit: submitLogin },
      el('h2', { 'data-t': 'signInNeeded' }),
      el('input', { type: 'password', autocomplete: 'off', name: 'code', 'data-t-placeholder': 'badgeOrPin' }),
      el('p', { class: 'login-error', role: 'alert' }),
      el('div', { class: 'buttons' },
        el('button', { type: 'submit', 'data-t': 'signIn' }),
        el('button', {
          type: 'button', 'data-role': 'cancel', 'data-t': 'cancel',
          onclick: () => { dialog.close(); loginResolve?.(false); },
        }))));
  // Escape must not dismiss a sign-in the screen cannot work without.
  dialog.addEventListener('cancel', (e) => {
    if (dialog.dataset.required === 'yes') e.preventDefault();
  });
  document.body.append(dialog);
}

function buildLanguageSwitch() {
  const box = document.getElementById('language');
  if (!box) return;
  const buttons = ['fr', 'en'].map((code) => el('button', {
    type: 'button', 'data-lang': code, onclick: () => setLanguage(code),
  }, code.toUpperCase()));
  fill(box, buttons);
  onLanguage((code) => {
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.lang === code));
  });
}

// ---- Live events --------------------------------------------------------------------------

// Calls onStatus with the snapshot the server sends first, onEvent for each event after it,
// onState('live' | 'reconnecting'). Reconnects with a growing pause (0.25 s to 2 s) whenever
// the connection ends: a daemon restart, a network cut, a refused upgrade before signing in.
export function connectEvents({ onStatus, onEvent, onState }) {
  let delay = 250;
  let lastSeq = null;
  const open = () => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events`);
    ws.addEventListener('open', () => { delay = 250; onState?.('live'); });
    ws.addEventListener('message', (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === 'status') {
        lastSeq = msg.status?.last_event?.seq ?? lastSeq;
        onStatus?.(msg.status);
        return;
      }
      // A gap means events were missed (a slow screen was dropped): start again from the state.
      const missed = lastSeq != null && msg.seq > lastSeq + 1;
      lastSeq = msg.seq;
      onEvent?.(msg, missed);
    });
    ws.addEventListener('close', () => {
      onState?.('reconnecting');
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 2000);
      refreshSession();
    });
  };
  open();
}

export function showConnection(stateName) {
  const box = document.getElementById('connection');
  if (!box) return;
  box.dataset.state = stateName;
  box.textContent = t(stateName);
}

// ---- Sounds -------------------------------------------------------------------------------

// Tones made on the spot, so there are no audio files to ship. A kiosk browser started with
// --autoplay-policy=no-user-gesture-required plays them at once; another after a first touch.
let audio = null;

function audioContext() {
  audio ??= new AudioContext();
  if (audio.state === 'suspended') audio.resume().catch(() => {});
  return audio;
}

function tone(ctx, frequency, start, duration, type = 'sine', volume = 0.25) {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = type;
  osc.frequency.value = frequency;
  const t0 = ctx.currentTime + start;
  gain.gain.setValueAtTime(0, t0);
  gain.gain.linearRampToValueAtTime(volume, t0 + 0.01);
  gain.gain.setValueAtTime(volume, t0 + duration - 0.02);
  gain.gain.linearRampToValueAtTime(0, t0 + duration);
  osc.connect(gain).connect(ctx.destination);
  osc.start(t0);
  osc.stop(t0 + duration + 0.01);
}

const SOUNDS = {
  // One short high beep: the scan was taken.
  ok: (ctx) => tone(ctx, 1046, 0, 0.09),
  // Two low buzzes: look at the screen.
  error: (ctx) => { tone(ctx, 185, 0, 0.18, 'square', 0.2); tone(ctx, 185, 0.26, 0.18, 'square', 0.2); },
  // A rising chord: the order is done.
  done: (ctx) => [523, 659, 784, 1046].forEach((f, i) => tone(ctx, f, i * 0.1, 0.14, 'triangle')),
};

export function play(kind) {
  document.body.dataset.lastSound = kind;  // what was played, for a person checking the kiosk
  try {
    const ctx = audioContext();
    SOUNDS[kind]?.(ctx);
    document.getElementById('sound-off')?.toggleAttribute('hidden', ctx.state === 'running');
  } catch {
    // No audio device: the colours still say it.
  }
}

// The events of one scan arrive together; one sound for all of them: done beats error beats ok.
// A label prints after the scan that closed its parcel, often after the order shipped: the
// label panel shows it, and only a failure is worth a sound.
const SILENT = new Set(['scale.reading', 'note.added', 'session.logout', 'status', 'label.printed']);
let pending = null;
export function soundFor(event) {
  if (SILENT.has(event.type)) return;
  const kind = event.type === 'order.shipped' ? 'done'
    : (!event.ok || event.type === 'label.failed' || event.type === 'weight.mismatch') ? 'error' : 'ok';
  const rank = { ok: 0, error: 1, done: 2 };
  if (!pending) {
    pending = kind;
    setTimeout(() => { const k = pending; pending = null; play(k); }, 40);
  } else if (rank[kind] > rank[pending]) {
    pending = kind;
  }
}

// ---- Start-up -------------------------------------------------------------------------------

// Builds the parts every screen has, reads who is signed in and the language, then calls
// `start`. The language on screen is the one chosen here last, else the station's.
// The page's optional scan box (#scan-form, #scan-input): a code typed or sent by a
// keyboard-wedge scanner on the kiosk goes to POST /api/scan as scanner "screen"; with
// ?wedge=1 the box keeps the focus. `onRefused(text)` shows why a scan was not taken.
export function setupScanBox(onRefused) {
  const input = document.getElementById('scan-input');
  document.getElementById('scan-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = input.value.trim();
    input.value = '';
    if (!code) return;
    try {
      await api('POST', '/api/scan', { code, scanner: 'screen' });
    } catch (err) {
      onRefused(err.text);
    }
  });
  if (new URLSearchParams(location.search).get('wedge') === '1') {
    input.focus();
    document.addEventListener('click', () => input.focus());
  }
}

export async function boot(start) {
  buildLoginDialog();
  buildLanguageSwitch();
  const soundOff = document.getElementById('sound-off');
  if (soundOff) {
    const wake = () => {
      const ctx = audioContext();
      ctx.resume().then(() => soundOff.toggleAttribute('hidden', ctx.state === 'running'));
    };
    document.addEventListener('pointerdown', wake);
    document.addEventListener('keydown', wake);
    setTimeout(() => soundOff.toggleAttribute('hidden', audioContext().state === 'running'), 500);
  }
  const s = await refreshSession();
  const chosen = localStorage.getItem('stationd.lang');
  await setLanguage(chosen === 'en' || chosen === 'fr' ? chosen : (s?.language ?? 'en'));
  await start();
}
