// The screens' figures (docs/performance.md, "Screens"): from a scan on the TCP scanner port to
// its event in a page's WebSocket, with 5 screens open (3 packing, 1 returns, 1 supervisor,
// each fetching what the event changed as it does on a bench); the size of the assets; the
// daemon's memory before and with the 5 screens. Prints figures; asserts nothing.
//
// usage: node tests/bench/screens_bench.mjs BUILD_DIR [SCANS [SCREENS [PACE_MS]]]
// (after scripts/install-screens-deps.sh BUILD_DIR/screens-node; TMPDIR chooses the journal's disk)
import fs from 'node:fs';
import path from 'node:path';

import { Daemon, Scanner, chromiumArgs, findBrowser, sleep, sourceDir, until } from '../screens/harness.mjs';

const buildDir = path.resolve(process.argv[2] ?? 'build');
const scans = Number(process.argv[3] ?? 300);
// How many screens: 5 as in the goal; fewer to see what the others cost.
const screenCount = Number(process.argv[4] ?? 5);
// Milliseconds between the event of one scan and the next scan: 250 is a fast packer (4 scans
// a second); 30 leaves the screens no time to finish fetching what the last event changed.
const pace = Number(process.argv[5] ?? 250);
const found = findBrowser(path.join(buildDir, 'screens-node'));
if (found.problem) {
  console.error(`screens_bench: ${found.problem}`);
  process.exit(1);
}

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

// The assets a screen loads, as served (no compression).
const web = path.join(sourceDir, 'web');
let assetBytes = 0;
for (const file of fs.readdirSync(web)) assetBytes += fs.statSync(path.join(web, file)).size;

const daemon = new Daemon({ buildDir });
await daemon.start();
await sleep(500);
const rssIdle = rssKb(daemon.process.pid);

const browser = await found.chromium.launch({ executablePath: found.executablePath, args: chromiumArgs, headless: true });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
// Each page notes when its WebSocket hands it a message, before the page's own handler runs.
await context.addInitScript(() => {
  const Native = window.WebSocket;
  window.__arrivals = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (m) => {
        const at = performance.timeOrigin + performance.now();
        const event = JSON.parse(m.data);
        if (event.type !== 'status') window.__arrivals.push({ seq: event.seq, type: event.type, at });
      });
    }
  };
});
const pages = [];
for (const screen of ['packing', 'packing', 'packing', 'returns', 'supervisor'].slice(0, screenCount)) {
  const page = await context.newPage();
  await page.goto(`${daemon.url}/screens/${screen}.html`);
  await until(async () => (await page.getAttribute('#connection', 'data-state')) === 'live', `${screen} connected`);
  pages.push(page);
}
await sleep(1000);
const rssFive = rssKb(daemon.process.pid);

const scanner = new Scanner(daemon.scannerPort);
await scanner.connect();
await scanner.scan('U-1001');
await scanner.scan('1002');
const latencies = [];
const replies = [];  // scan -> the scanner's "OK": the commit, which the event waits for too
const watched = pages[0];
for (let i = 0; i < scans; i += 1) {
  // 20 espresso capsules are accepted one by one, then the same code is one too many.
  const code = '3760123450034';
  const before = await watched.evaluate(() => window.__arrivals.length);
  const sent = performance.timeOrigin + performance.now();
  await scanner.scan(code);
  replies.push(performance.timeOrigin + performance.now() - sent);
  const arrival = await until(() => watched.evaluate((n) => window.__arrivals.slice(n)
    .find((a) => a.type.startsWith('scan.') || a.type.startsWith('order.')), before), 'the event reached the page');
  latencies.push(arrival.at - sent);
  await sleep(pace);
}
const rssAfter = rssKb(daemon.process.pid);
latencies.sort((a, b) => a - b);
replies.sort((a, b) => a - b);
const ms = (v) => v.toFixed(2);

console.log(`screens_bench: ${scans} scans through the TCP scanner port, ${screenCount} screens connected, ` +
  `${pace} ms between an event and the next scan`);
console.log(`  scan -> event in the page: p50 ${ms(percentile(latencies, 50))} ms, p90 ${ms(percentile(latencies, 90))} ms, ` +
  `p99 ${ms(percentile(latencies, 99))} ms, max ${ms(latencies[latencies.length - 1])} ms (goal p99 <= 20 ms)`);
console.log(`  scan -> the scanner's reply (the durable commit): p50 ${ms(percentile(replies, 50))} ms, ` +
  `p99 ${ms(percentile(replies, 99))} ms`);
console.log(`  load average during the run: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log(`  assets: ${assetBytes} bytes in ${fs.readdirSync(web).length} files (goal <= 204800)`);
console.log(`  daemon RSS: ${rssIdle} KiB with no screen, ${rssFive} KiB with ${screenCount} screens, ${rssAfter} KiB after the scans`);

scanner.close();
await browser.close();
await daemon.stop();
daemon.remove();
