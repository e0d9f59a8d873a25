// The screens in a real browser (Debian's chromium, driven by playwright-core) against a real
// stationd in demo mode: pack an order by scans, a wrong item, a supervisor's approval and a
// packer refused it, a printer out of paper, a sign-in when every request needs one, a daemon
// restart, and a return graded on screen. Screenshots go to <build>/screens-artifacts.
//
// usage: node tests/screens/screens.test.mjs BUILD_DIR [NODE_DIR]
// Exit 0 when every scenario passed, 1 otherwise, 77 (skipped) when chromium or playwright-core
// is missing, except with CI=true, where that is a failure.
import fs from 'node:fs';
import path from 'node:path';

import {
  Daemon, FakeZplPrinter, Scanner, chromiumArgs, findBrowser, sleep, until,
} from './harness.mjs';

const buildDir = path.resolve(process.argv[2] ?? 'build');
const nodeDir = path.resolve(process.argv[3] ?? path.join(buildDir, 'screens-node'));
const artifacts = path.join(buildDir, 'screens-artifacts');
fs.rmSync(artifacts, { recursive: true, force: true });
fs.mkdirSync(artifacts, { recursive: true });

const found = findBrowser(nodeDir);
if (found.problem) {
  if (process.env.CI === 'true') {
    console.log(`FAIL screens: ${found.problem}`);
    console.log('screens: 0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`SKIP screens: ${found.problem}`);
  process.exit(77);
}

const scenarios = [];
const scenario = (name, fn) => scenarios.push({ name, fn });

// ---- The bench everything below shares ---------------------------------------------------------

const printer = new FakeZplPrinter();
await printer.listen();
const daemon = new Daemon({ buildDir, printerPort: printer.port });
await daemon.start();
const scanner = new Scanner(daemon.scannerPort);
await scanner.connect();

const browser = await found.chromium.launch({
  executablePath: found.executablePath, args: chromiumArgs, headless: true,
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const pages = [];
async function openPage(url) {
  const page = await context.newPage();
  // Short, so that until() polls again rather than one call waiting for an element for 30 s.
  page.setDefaultTimeout(2000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.problems = problems;
  pages.push(page);
  await page.goto(url);
  return page;
}

const text = async (page, selector) => (await page.textContent(selector))?.trim() ?? '';
const attr = async (page, selector, name) => page.getAttribute(selector, name);
const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

async function scanOk(code) {
  const reply = await scanner.scan(code);
  if (!reply.startsWith('OK')) throw new Error(`the scan of ${code} was refused: ${reply}`);
  return reply;
}

let packing;

scenario('pack an order by scans and see the screen follow each one', async () => {
  // / leads to the packing screen; in the station's language, French.
  packing = await openPage(`${daemon.url}/`);
  if (!packing.url().endsWith('/screens/packing.html')) throw new Error(`/ led to ${packing.url()}`);
  await until(async () => (await attr(packing, '#connection', 'data-state')) === 'live', 'the page is connected');
  await until(async () => (await attr(packing, 'html', 'lang')) === 'fr', 'the page speaks French');

  await scanOk('U-1001');
  await until(async () => (await text(packing, '#packer')) === 'Alice Martin', 'the packer shows');
  // Order 1014: two green teas and a fig candle.
  await scanOk('1014');
  await until(async () => (await text(packing, '#order-number')) === '1014', 'order 1014 shows');
  const tea = 'tr[data-sku="THE-VERT"] [data-testid=line-count]';
  await until(async () => (await text(packing, tea)) === '0/2', 'its tea line shows 0/2');
  await scanOk('3760123450102');
  await until(async () => (await text(packing, tea)) === '1/2', 'the tea line shows 1/2 after one scan');
  await until(async () => (await attr(packing, 'body', 'data-last-sound')) === 'ok', 'the ok sound played');
  await scanOk('3760123450102');
  await scanOk('3760123450119');
  await until(async () => (await text(packing, 'tr[data-sku="BOUGIE-FIGUE"] [data-testid=line-count]')) === '1/1',
    'the candle line shows 1/1');
  await until(async () => (await text(packing, '#message')).includes('pesez le colis'),
    'the message asks to weigh the parcel');
  if ((await attr(packing, '#message', 'data-kind')) !== 'wait') throw new Error('the message is not amber');
  // 2 × 110 g + 420 g in the 300 g box.
  await until(async () => (await text(packing, '#expected-weight')).replace(/\s/g, '') === '940g',
    'the expected weight shows');

  // The weight closes the parcel, the label prints on the network printer, the order ships.
  const weighed = await daemon.post('/api/scale', { grams: 940, stable: true });
  if (weighed.status !== 200) throw new Error(`POST /api/scale: ${weighed.status}`);
  await until(async () => (await text(packing, '#weight')).replace(/\s/g, '') === '940g', 'the live weight shows');
  await until(async () => (await attr(packing, '#scale-status', 'data-status')) === 'stable', 'the scale shows stable');
  await until(async () => (await text(packing, '#message')) === 'Commande 1014 expédiée : 1 colis',
    'the message says the order shipped');
  if ((await attr(packing, '#message', 'data-kind')) !== 'done') throw new Error('the message is not the "done" colour');
  await until(async () => (await attr(packing, 'body', 'data-last-sound')) === 'done', 'the order-done sound played');
  await until(async () => (await attr(packing, '#label-status', 'data-state')) === 'printed', 'the label shows printed');
  await until(() => printer.jobs >= 1, 'the fake printer received the label');
  await until(() => packing.evaluate(() => {
    const img = document.querySelector('#label-preview');
    return !img.hidden && img.complete && img.naturalWidth > 300;
  }), 'the label preview is a picture');
  await shot(packing, 'packing-order-shipped');
});

scenario('see the error on a wrong item, in French then in English', async () => {
  // Order 1001 holds T-shirts and a mug, not lavender soap.
  await scanOk('1001');
  await until(async () => (await text(packing, '#order-number')) === '1001', 'order 1001 shows');
  const reply = await scanner.scan('3760123450126');
  if (!reply.startsWith('ERR wrong_item')) throw new Error(`the soap was not refused as a wrong item: ${reply}`);
  await until(async () => (await text(packing, '#message')) === 'Mauvais article : 3760123450126 n\'est pas dans la commande 1001',
    'the refusal shows in French');
  if ((await attr(packing, '#message', 'data-kind')) !== 'error') throw new Error('the refusal is not red');
  await until(async () => (await attr(packing, 'body', 'data-last-sound')) === 'error', 'the error sound played');
  await shot(packing, 'packing-wrong-item-fr');
  await packing.click('#language button[data-lang=en]');
  await until(async () => (await text(packing, '#message')) === 'Wrong item: 3760123450126 is not in order 1001',
    'the same refusal shows in English');
  await until(async () => (await text(packing, '#lines th:first-child')) === 'Item', 'the page speaks English');
  await shot(packing, 'packing-wrong-item-en');
  // The page's own scan box, as a keyboard-wedge scanner on the kiosk types into it.
  await packing.fill('#scan-input', 'BOX-S');
  await packing.press('#scan-input', 'Enter');
  await until(async () => (await attr(packing, '#message', 'data-key')) === 'box_set',
    'a code typed in the scan box is scanned');
});

let supervisor;

async function signIn(page, code) {
  await page.fill('#login input', code);
  await page.click('#login button[type=submit]');
}

scenario('a packer is refused an approval; a supervisor signs in and gives it', async () => {
  for (const code of ['3760123450010', '3760123450010', '3760123450027']) await scanOk(code);
  // 3 kg for 1010 g (two T-shirts, a mug, the box): the station asks for a supervisor.
  await daemon.post('/api/scale', { grams: 3000, stable: true });
  await until(async () => (await attr(packing, '#message', 'data-key')) === 'weight_mismatch',
    'the packing screen shows the weight mismatch');

  supervisor = await openPage(`${daemon.url}/screens/supervisor.html`);
  await until(async () => (await attr(supervisor, '[data-testid=pending]', 'data-kind')) === 'weight_mismatch',
    'the supervisor screen shows the pending approval');
  await until(async () => (await text(supervisor, '[data-testid=bench-order]')) === '1001', 'and the order at the bench');

  // Alice signs in with her PIN: a packer may not approve.
  await supervisor.click('#approval-body button:not(.primary)');
  await signIn(supervisor, '4711');
  await until(async () => (await text(supervisor, '[data-testid=signed-in]')).startsWith('Alice Martin'), 'Alice is signed in');
  await supervisor.click('[data-testid=approve]');
  await until(async () => (await attr(supervisor, '[data-testid=approval-result]', 'data-status')) === '403',
    'the approval is refused with 403');
  const refusal = await text(supervisor, '[data-testid=approval-result]');
  if (!refusal.includes('Alice Martin (packer)') || !refusal.includes('supervisor')) {
    throw new Error(`the refusal does not say who and what role is needed: ${refusal}`);
  }
  await shot(supervisor, 'supervisor-refused-packer');
  if ((await daemon.get('/api/status')).pending_approval === null) throw new Error('the refused approval went through');
  // The refusal is in the activity log, and in the daemon's log.
  await supervisor.fill('[data-testid=activity-q]', 'access_role_refused');
  await supervisor.click('#activity-form button');
  await until(async () => (await supervisor.locator('#activity tr[data-kind=access_role_refused]').count()) > 0,
    'the refusal is found in the activity log');
  await until(() => daemon.log().includes('refused POST /api/approvals/approve to Alice Martin (packer)'),
    'the daemon logged the refusal');

  // Sophie, a supervisor, signs in instead and approves.
  await supervisor.click('#session button');
  await until(async () => (await supervisor.locator('[data-testid=signed-in]').count()) === 0, 'Alice is signed out');
  await supervisor.click('#approval-body button:not(.primary)');
  await signIn(supervisor, '9731');
  await until(async () => (await text(supervisor, '[data-testid=signed-in]')).startsWith('Sophie Bernard'), 'Sophie is signed in');
  await supervisor.click('[data-testid=approve]');
  await until(async () => (await text(supervisor, '[data-testid=approval-result]')).includes('Sophie Bernard'),
    'the approval is given in her name');
  await until(async () => (await supervisor.locator('[data-testid=nothing-pending]').count()) === 1, 'nothing is pending any more');
  await until(async () => (await attr(packing, '#message', 'data-kind')) === 'done', 'the order ships on the packing screen');
  await until(async () => Number(await text(supervisor, '[data-testid=today-orders]')) >= 2, 'the day counts two orders shipped');
  await shot(supervisor, 'supervisor-approved');
});

scenario('see the label printer run out of paper on the supervisor page', async () => {
  const row = '#devices tr[data-device="zebra-1"]';
  await until(async () => (await attr(supervisor, row, 'data-up')) === 'true', 'the printer shows working');
  printer.paperOut = true;
  // The printer is asked ~HS every 5 s, the page reads the status every 2 s.
  await until(async () => (await attr(supervisor, row, 'data-reasons'))?.includes('paper_out'),
    'the printer shows paper out', 20000);
  const cell = await text(supervisor, `${row} td:nth-child(3)`);
  if (!/paper out|plus de papier/.test(cell)) throw new Error(`the state cell says "${cell}"`);
  await shot(supervisor, 'supervisor-paper-out');

  // Parcel 1 of order 1007 closes while there is no paper: its label waits, and both screens
  // say so.
  const jobsBefore = printer.jobs;
  await scanOk('1007');
  await scanOk('3760123450089');
  await daemon.post('/api/scale', { grams: 2400, stable: true });
  await until(async () => (await scanner.scan('CMD-NEW-PARCEL')).startsWith('OK'), 'parcel 1 closes once weighed');
  await until(async () => (await attr(packing, '#label-status', 'data-state')) === 'held',
    'the packing screen shows the label waiting for the printer');
  await until(async () => (await attr(packing, '#message', 'data-key')) === 'label_held', 'the packer is told why');
  await until(async () => (await attr(supervisor, `${row} [data-held]`, 'data-held')) === '1',
    'the supervisor sees one job waiting for the printer');
  await until(async () => (await supervisor.locator('#labels-body [data-state=held]').count()) === 1,
    'and the label among the labels to check');
  // A page behind another one is not painted: bring it to the front for its picture.
  await packing.bringToFront();
  await shot(packing, 'packing-label-held');
  await supervisor.bringToFront();
  if (printer.jobs !== jobsBefore) throw new Error('a label went to a printer out of paper');

  // Paper is loaded: the label comes out by itself, once.
  printer.paperOut = false;
  await until(async () => (await attr(supervisor, row, 'data-up')) === 'true', 'the printer works again', 20000);
  await until(async () => (await attr(packing, '#label-status', 'data-state')) === 'printed',
    'the held label prints once the printer is back', 20000);
  await until(async () => (await supervisor.locator(`${row} [data-held]`).count()) === 0, 'nothing waits any more');
  await until(async () => (await supervisor.locator('[data-testid=labels-none]').count()) === 1,
    'no label is left to check');
  if (printer.jobs !== jobsBefore + 1) throw new Error(`${printer.jobs - jobsBefore} jobs printed instead of 1`);
  await scanOk('CMD-CANCEL');  // lets go of order 1007 for the scenarios below
});

scenario('the screens reconnect by themselves when the daemon restarts', async () => {
  await daemon.stop();
  await until(async () => (await attr(packing, '#connection', 'data-state')) === 'reconnecting', 'the page notices');
  scanner.close();
  await daemon.start();
  await until(async () => (await attr(packing, '#connection', 'data-state')) === 'live', 'the page is live again', 15000);
  const again = new Scanner(daemon.scannerPort);
  await again.connect();
  const reply = await again.scan('1008');
  again.close();
  if (!reply.startsWith('OK')) throw new Error(`the scan after the restart was refused: ${reply}`);
  await until(async () => (await text(packing, '#order-number')) === '1008', 'the page follows the scans again');
});

scenario('the returns screen grades a returned item', async () => {
  // The returns desk comes with its own API (GET /api/returns); a station without it has no
  // returns screen to test.
  const probe = await fetch(`${daemon.url}/api/returns`);
  if (probe.status === 404) throw new Error('GET /api/returns is missing');
  const returns = await openPage(`${daemon.url}/screens/returns.html`);
  await until(async () => (await attr(returns, '#connection', 'data-state')) === 'live', 'the returns page is connected');
  const desk = new Scanner(daemon.scannerPort);
  await desk.connect();
  try {
    // Chloé works at the returns desk; order 1014 was shipped above.
    for (const code of ['U-2001', '1014']) {
      const reply = await desk.scan(code);
      if (!reply.startsWith('OK')) throw new Error(`the scan of ${code} was refused: ${reply}`);
    }
    await until(async () => (await text(returns, '[data-testid=return-order]')) === '1014', 'the return of order 1014 shows');
    const item = await desk.scan('3760123450102');
    if (!item.startsWith('OK')) throw new Error(`the returned tea was refused: ${item}`);
    await until(async () => (await returns.locator('[data-testid=return-item]').count()) === 1, 'the returned item shows');
    await returns.click('[data-testid=return-item] button[data-grade=damaged]');
    await until(async () => (await attr(returns, '[data-testid=return-item]', 'data-condition')) === 'damaged',
      'the item shows graded damaged');
    await shot(returns, 'returns-graded');
  } finally {
    desk.close();
  }
});

// ---- A station where every request must sign in --------------------------------------------------

scenario('with require_login = "always", the screen asks for a badge or PIN and a packer is refused a supervisor call', async () => {
  const locked = new Daemon({
    buildDir,
    edit: (config) => config.replace('[api]\n', '[api]\nrequire_login = "always"\n'),
  });
  await locked.start();
  try {
    const denied = await fetch(`${locked.url}/api/status`);
    if (denied.status !== 401) throw new Error(`GET /api/status without signing in: ${denied.status}`);
    const page = await openPage(`${locked.url}/screens/packing.html`);
    await until(() => page.evaluate(() => document.querySelector('#login')?.open), 'the sign-in box is up');
    await signIn(page, '0000');
    await until(async () => (await text(page, '#login .login-error')) !== '', 'a wrong PIN is refused');
    await shot(page, 'locked-wrong-pin');
    await signIn(page, '4711');
    await until(() => page.evaluate(() => !document.querySelector('#login').open), 'the right PIN signs in');
    await until(async () => (await attr(page, '#connection', 'data-state')) === 'live', 'the page is connected');
    const answer = await page.evaluate(async () => {
      const r = await fetch('/api/sync/pull', { method: 'POST' });
      return { status: r.status, body: await r.json() };
    });
    if (answer.status !== 403 || answer.body.message_key !== 'access_role_refused') {
      throw new Error(`a packer's POST /api/sync/pull: ${JSON.stringify(answer)}`);
    }
    await shot(page, 'locked-signed-in');
  } finally {
    await locked.stop();
    locked.remove();
  }
});

// ---- Run ----------------------------------------------------------------------------------------

let passed = 0;
let failed = 0;
for (const { name, fn } of scenarios) {
  const started = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL - ${name}\n  ${e.stack ?? e}`);
    for (const [i, page] of pages.entries()) {
      await shot(page, `FAIL-${scenarios.findIndex((s) => s.name === name)}-page${i}`).catch(() => {});
      if (page.problems.length) console.log(`  page ${i} errors: ${page.problems.join(' | ')}`);
    }
  }
}
for (const [i, page] of pages.entries()) {
  if (page.problems.length) {
    failed += 1;
    console.log(`FAIL - page ${i} (${page.url()}) threw: ${page.problems.join(' | ')}`);
  }
}

await browser.close();
scanner.close();
await daemon.stop();
await printer.close();
if (failed) {
  console.log(`stationd log:\n${daemon.log()}`);
} else {
  daemon.remove();
}
console.log(`screenshots in ${artifacts}`);
console.log(`screens: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
