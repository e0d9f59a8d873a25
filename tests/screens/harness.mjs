// A real stationd for the screens' browser tests and bench: the demo config on free loopback
// ports, its own data folder, a fake network ZPL printer, the TCP scanner, and chromium.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

export const sourceDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Every stationd started here dies with this process, whatever ends it.
const children = new Set();
process.on('exit', () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

// Polls `check` until it returns something truthy; throws `what` when `limit` passes first.
// A bound against hanging, not a timing assertion.
export async function until(check, what, limit = 10000) {
  const deadline = Date.now() + limit;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} (still not true after ${limit} ms; last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await sleep(50);
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A Zebra printer on raw TCP as drivers/ZebraHostStatus.cpp reads it: ~HS answered with three
// STX...ETX strings, everything else taken as a job. paperOut() flips string 1, field 2.
export class FakeZplPrinter {
  constructor() {
    this.paperOut = false;
    this.jobs = 0;
    this.received = '';
    this.server = net.createServer((socket) => {
      socket.on('data', (data) => {
        this.received += data.toString('latin1');
        for (;;) {
          const hs = this.received.indexOf('~HS');
          const end = this.received.indexOf('^XZ');
          if (hs < 0 && end < 0) break;
          if (hs >= 0 && (end < 0 || hs < end)) {
            socket.write(this.hostStatus());
            this.received = this.received.slice(hs + 3);
          } else {
            this.jobs += 1;
            this.received = this.received.slice(end + 3);
          }
        }
        // Keeps what may be the start of a command split across two reads.
        this.received = this.received.slice(-2);
      });
      socket.on('error', () => {});
    });
  }

  hostStatus() {
    const stx = '\x02';
    const etx = '\x03';
    // aaa,b,c,dddd,eee,f,g,h,iii,j,k,l / mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www / xxxx,y
    const one = `030,${this.paperOut ? 1 : 0},0,1218,000,0,0,0,000,0,0,0`;
    const two = '000,0,0,0,0,2,4,0,00000000,1,000';
    const three = '1234,0';
    return `${stx}${one}${etx}\r\n${stx}${two}${etx}\r\n${stx}${three}${etx}\r\n`;
  }

  listen() {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        this.port = this.server.address().port;
        resolve(this.port);
      });
    });
  }

  close() {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// One connection to the daemon's TCP scanner, as a bench scanner keeps it: a line out, the
// "OK ..." or "ERR reason ..." line back once the scan is committed.
export class Scanner {
  constructor(port) {
    this.port = port;
    this.buffer = '';
    this.waiting = [];
  }

  connect() {
    return new Promise((resolve, reject) => {
      this.socket = net.connect(this.port, '127.0.0.1', resolve);
      this.socket.once('error', reject);
      this.socket.setNoDelay(true);
      this.socket.on('data', (data) => {
        this.buffer += data.toString('utf8');
        let lf;
        while ((lf = this.buffer.indexOf('\n')) >= 0) {
          const line = this.buffer.slice(0, lf);
          this.buffer = this.buffer.slice(lf + 1);
          this.waiting.shift()?.(line);
        }
      });
    });
  }

  scan(code) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to the scan of ${code}`)), 10000);
      this.waiting.push((line) => { clearTimeout(timer); resolve(line); });
      this.socket.write(`${code}\n`);
    });
  }

  close() {
    this.socket?.destroy();
  }
}

// stationd on the demo config: free ports, the demo orders, no shop, the shipping labels on a
// network ZPL printer (the fake one) when `printerPort` is given, and `edit` for the rest.
export class Daemon {
  constructor({ buildDir, printerPort, edit }) {
    this.buildDir = buildDir;
    this.printerPort = printerPort;
    this.edit = edit;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stationd-screens-'));
  }

  async writeConfig() {
    this.apiPort = await freePort();
    this.scannerPort = await freePort();
    while (this.scannerPort === this.apiPort) this.scannerPort = await freePort();
    let config = fs.readFileSync(path.join(sourceDir, 'config/demo.toml'), 'utf8');
    const replace = (from, to) => {
      if (config.split(from).length !== 2) throw new Error(`config/demo.toml no longer holds exactly one '${from}'`);
      config = config.replace(from, to);
    };
    replace('port = 8080', `port = ${this.apiPort}`);
    replace('port = 9101', `port = ${this.scannerPort}`);
    replace('orders = "demo-orders.json"', `orders = "${path.join(sourceDir, 'config/demo-orders.json')}"`);
    // The demo's shop is not running here.
    replace('adapter = "woocommerce"', 'adapter = "none"');
    if (this.printerPort) {
      replace('kind = "directory"\nlanguage = "zpl"\npath = "labels"',
        `kind = "zpl-tcp"\nlanguage = "zpl"\nhost = "127.0.0.1"\nport = ${this.printerPort}`);
    }
    if (this.edit) config = this.edit(config);
    fs.writeFileSync(path.join(this.dir, 'station.toml'), config);
    this.url = `http://127.0.0.1:${this.apiPort}`;
  }

  async start() {
    if (!this.url) await this.writeConfig();
    const binary = path.join(this.buildDir, 'bin/stationd');
    const log = fs.openSync(path.join(this.dir, 'stationd.log'), 'a');
    this.process = spawn(binary, ['--config', path.join(this.dir, 'station.toml'),
      '--data-dir', path.join(this.dir, 'data'), '--demo'], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    children.add(this.process);
    let ended = null;
    this.process.once('exit', (code, signal) => {
      ended = `exit ${code ?? signal}`;
      children.delete(this.process);
    });
    await until(async () => {
      if (ended) throw new Error(`stationd ended (${ended}) before answering:\n${this.log()}`);
      // GET /api/session answers whoever asks, even where every other request must sign in.
      const r = await fetch(`${this.url}/api/session`).catch(() => null);
      return r?.ok;
    }, `stationd at ${this.url} answering GET /api/session`, 20000).catch((e) => {
      this.process.kill('SIGKILL');
      throw new Error(`${e.message}\n${this.log()}`);
    });
  }

  // SIGTERM, as systemd stops it; SIGKILL after 10 s, with a note, so that a daemon that does
  // not stop cannot hang the tests.
  async stop() {
    if (!this.process || this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    await Promise.race([exited, sleep(10000)]);
    if (this.process.exitCode === null && this.process.signalCode === null) {
      console.log('  note: stationd did not stop within 10 s of SIGTERM; killed');
      this.process.kill('SIGKILL');
      await exited;
    }
  }

  log() {
    try {
      return fs.readFileSync(path.join(this.dir, 'stationd.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async post(target, body, headers = {}) {
    const r = await fetch(`${this.url}${target}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body),
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  }

  async get(target) {
    const r = await fetch(`${this.url}${target}`);
    return r.json();
  }

  remove() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// playwright-core from where scripts/install-screens-deps.sh put it, and Debian's chromium.
// Returns { chromium, executablePath } or { problem } saying what is missing.
export function findBrowser(nodeDir) {
  const executablePath = process.env.STATION_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    return { problem: `${executablePath} is missing: apt-get install chromium (scripts/install-deps.sh)` };
  }
  try {
    const require = createRequire(path.join(nodeDir, 'package.json'));
    const { chromium } = require('playwright-core');
    return { chromium, executablePath };
  } catch (e) {
    return { problem: `playwright-core is not installed in ${nodeDir} (scripts/install-screens-deps.sh): ${e.message}` };
  }
}

// Flags for a headless chromium on a machine with no network: no background connections, no
// sandbox (root in CI), sounds allowed without a click as on the kiosk.
export const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];
