import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBroker } from '../broker/index.ts';
import { Actor } from '../actors/runtime/index.ts';
import { createLogger } from '../logging/index.ts';
import { Topics, createEnvelope, encodeEnvelope } from '../protocol/index.ts';
import { addUser, RolePolicy } from '../security/index.ts';
import { dashboardPageUrl, startDashboardServer, type DashboardServer } from '../dashboard/index.ts';
import { busFixture, deferred, echoQuery } from './support/bus-fixture.ts';

const CHROMIUM = process.env.COMMS_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type Fixture = Awaited<ReturnType<typeof busFixture>>;

/** Collects what would mean the page is broken: script errors, CSP violations, failed loads. */
function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`));
  return problems;
}

describe('dashboard (headless Chromium over MQTT/WebSocket)', function () {
  // Launches Chromium: a hang guard, not a speed budget (a loaded machine is slow to start it).
  this.timeout(300_000);
  let browser: Browser;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: the dashboard test needs it. Run scripts/setup-system.sh (as root, or with sudo) to install it, or set COMMS_CHROMIUM to a Chromium binary.`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
  });

  describe('on an open broker', () => {
    let bus: Fixture;
    let dashboard: DashboardServer;

    beforeEach(async () => {
      bus = await busFixture();
      dashboard = await startDashboardServer({ port: 0, wsUrl: bus.broker.wsUrl as string });
    });

    afterEach(async () => {
      await dashboard.close();
      await bus.close();
    });

    it('shows modules and a conversation live: working with progress, completed 100%, then the responder lost', async () => {
      const gate = deferred();
      const responder = await bus.actor({ name: 'responder' }).handle(echoQuery('responder', { gate: gate.promise })).start();
      const requester = await bus.actor({ name: 'requester' }).start();

      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      page.setDefaultTimeout(120_000);
      const problems = watchPage(page);
      await page.goto(dashboardPageUrl(dashboard.url, { wsUrl: bus.broker.wsUrl as string, username: 'observer', password: 'unused-on-an-open-broker' }));
      await page.waitForSelector('#connection[data-state="connected"]');
      // The password does not stay in the address bar.
      expect(page.url()).to.not.contain('password');
      expect(page.url()).to.contain('username=observer');

      const responderRow = await page.waitForSelector('tr[data-module="responder"][data-status="online"]');
      expect(await responderRow.$eval('td.queries', (td) => td.textContent)).to.equal('echo@1');
      await page.waitForSelector('tr[data-module="requester"][data-status="online"]');

      const conversation = requester.request<{ text: string; handledBy: string }>('responder', 'echo@1', { text: 'hello', steps: 3 });
      const working = await page.waitForSelector(`tr[data-conversation="${conversation.id}"][data-state="working"][data-percent="100"]`);
      const cells = await working.$$eval('td', (tds) => tds.map((td) => td.textContent));
      expect(cells.slice(0, 7)).to.deep.equal([conversation.id, 'requester → responder', 'echo@1', 'working', '100%', 'step 3', '']);
      expect(await working.$eval('progress', (p) => (p as HTMLProgressElement).value)).to.equal(100);
      expect(conversation.state).to.equal('working');

      gate.resolve();
      expect(await conversation.result).to.deep.equal({ text: 'hello', handledBy: 'responder' });
      const completed = await page.waitForSelector(`tr[data-conversation="${conversation.id}"][data-state="completed"]`);
      expect(await completed.getAttribute('data-percent')).to.equal('100');
      expect(await completed.$eval('td.progress', (td) => td.textContent)).to.equal('100%');

      await responder.kill();
      await page.waitForSelector('tr[data-module="responder"][data-status="lost"]');
      await page.waitForSelector('tr[data-module="requester"][data-status="online"]');

      const shot = join(bus.dir, 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = readFileSync(shot);
      expect(png.length).to.be.greaterThan(1000);
      expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).to.equal(true);

      expect(problems).to.deep.equal([]);
      await page.close();
    });

    it('renders message content as text, never as HTML, and shows snapshots retained before it connected', async () => {
      const tool = await mqtt.connectAsync(bus.broker.url, { clientId: 'admin-test', protocolVersion: 4 });
      const body = {
        state: 'failed',
        seq: 4,
        requester: 'someone',
        responder: 'other',
        query: 'echo@1',
        percent: 40,
        stage: '<img id="xss" src="x">',
        attempts: 1,
        startedAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        error: { code: 'E_PEER_LOST', message: '<script>bad()</script>' },
      };
      const snapshot = createEnvelope({ kind: 'event', from: 'someone', to: '*', conversationId: 'xss-1', seq: 4, schema: 'conversation.state@1', body });
      await tool.publishAsync(Topics.conversationState('xss-1'), encodeEnvelope(snapshot), { qos: 1, retain: true });

      const page = await browser.newPage();
      page.setDefaultTimeout(120_000);
      const problems = watchPage(page);
      // No ?ws=: the page falls back to the server's config.json.
      await page.goto(dashboard.url);
      const row = await page.waitForSelector('tr[data-conversation="xss-1"][data-state="failed"][data-percent="40"]');
      expect(await row.$eval('td.stage', (td) => td.textContent)).to.equal('<img id="xss" src="x">');
      expect(await row.$eval('td.error', (td) => [td.textContent, td.getAttribute('title')])).to.deep.equal(['E_PEER_LOST', '<script>bad()</script>']);
      expect(await page.$('#xss')).to.equal(null);

      // An older event (seq 3) arriving after the snapshot does not move the row back.
      const stale = createEnvelope({ kind: 'event', from: 'someone', to: '*', conversationId: 'xss-1', seq: 3, schema: 'conversation.event@1', body: { type: 'state', state: 'working', requester: 'someone', responder: 'other', query: 'echo@1', requestId: 'r1', attempt: 1 } });
      const fresh = createEnvelope({ kind: 'event', from: 'someone', to: '*', conversationId: 'xss-2', seq: 1, schema: 'conversation.event@1', body: { type: 'state', state: 'submitted', requester: 'someone', responder: 'other', query: 'echo@1', requestId: 'r2', attempt: 1 } });
      await tool.publishAsync(Topics.conversationEvents('xss-1'), encodeEnvelope(stale), { qos: 1 });
      await tool.publishAsync(Topics.conversationEvents('xss-2'), encodeEnvelope(fresh), { qos: 1 });
      await page.waitForSelector('tr[data-conversation="xss-2"][data-state="submitted"]');
      expect(await row.getAttribute('data-state')).to.equal('failed');

      expect(problems).to.deep.equal([]);
      await page.close();
      await tool.endAsync();
    });
  });

  describe('on a secured broker', () => {
    it('logs in as the observer (client id observer-…), shows the bus, never publishes; a wrong password shows an error', async () => {
      let creds = { version: 1 as const, users: [] as never[] } as Parameters<typeof addUser>[0];
      for (const [username, role] of [['observer', 'observer'], ['responder', 'actor']] as const) {
        creds = (await addUser(creds, { username, role, password: `${username}-pw` })).credentials;
      }
      const denials: string[] = [];
      const connected: string[] = [];
      const broker = await startBroker({ port: 0, wsPort: 0, access: new RolePolicy(creds), onDenied: (what) => denials.push(what) });
      broker.aedes.on('client', (client) => connected.push(client.id));
      const dashboard = await startDashboardServer({ port: 0, wsUrl: broker.wsUrl as string });
      const responder = new Actor({ name: 'responder', url: broker.url, username: 'responder', password: 'responder-pw', logger: createLogger('responder', 'silent') });
      try {
        await responder.handle(echoQuery('responder')).start();
        const page = await browser.newPage();
        page.setDefaultTimeout(120_000);
        const problems = watchPage(page);
        await page.goto(dashboardPageUrl(dashboard.url, { wsUrl: broker.wsUrl as string, username: 'observer', password: 'observer-pw' }));
        await page.waitForSelector('tr[data-module="responder"][data-status="online"]');
        await page.waitForSelector('#connection[data-state="connected"]');
        // A reload keeps working although the password left the URL (the tab keeps it in sessionStorage).
        await page.reload();
        await page.waitForSelector('tr[data-module="responder"][data-status="online"]');
        expect(problems).to.deep.equal([]);
        expect(denials).to.deep.equal([]);
        const observers = connected.filter((id) => id !== 'responder');
        expect(observers).to.have.length(2);
        for (const id of observers) expect(id).to.match(/^observer-[0-9a-f]{12}$/);

        const intruder = await browser.newPage();
        intruder.setDefaultTimeout(120_000);
        await intruder.goto(dashboardPageUrl(dashboard.url, { wsUrl: broker.wsUrl as string, username: 'observer', password: 'wrong' }));
        const status = await intruder.waitForSelector('#connection[data-state="error"]');
        expect(await status.textContent()).to.match(/^login refused: .*bad username or password/i);
        expect(await intruder.$('tr[data-module]')).to.equal(null);
        // It stops there instead of retrying the login every few seconds.
        const attempts = denials.filter((d) => /bad username or password/.test(d)).length;
        expect(attempts).to.equal(1);
        expect(await intruder.evaluate(() => (window as unknown as { commsDashboard: { stopped: boolean } }).commsDashboard.stopped)).to.equal(true);
        await intruder.close();
        await page.close();
      } finally {
        await responder.stop().catch(() => {});
        await dashboard.close();
        await broker.close();
      }
    });
  });

  describe('the static server', () => {
    it('pins connect-src to the broker, serves only its files, and refuses non-WebSocket URLs', async () => {
      const dashboard = await startDashboardServer({ port: 0, wsUrl: 'ws://127.0.0.1:8083' });
      try {
        const page = await fetch(dashboard.url);
        expect(page.status).to.equal(200);
        expect(page.headers.get('content-type')).to.match(/^text\/html/);
        const csp = page.headers.get('content-security-policy') ?? '';
        expect(csp).to.contain("connect-src 'self' ws://127.0.0.1:8083");
        expect(csp).to.contain("script-src 'self'");
        expect(csp).to.contain("default-src 'none'");
        expect(page.headers.get('referrer-policy')).to.equal('no-referrer');
        const bundle = await fetch(new URL('mqtt.min.js', dashboard.url));
        expect(bundle.status).to.equal(200);
        expect(await bundle.text()).to.contain('var mqtt=');
        expect((await fetch(new URL('config.json', dashboard.url)).then((r) => r.json())) as unknown).to.deep.equal({ wsUrl: 'ws://127.0.0.1:8083' });
        expect((await fetch(new URL('../package.json', dashboard.url))).status).to.equal(404);
        expect((await fetch(new URL('index.ts', dashboard.url))).status).to.equal(404);
        expect((await fetch(dashboard.url, { method: 'POST' })).status).to.equal(405);
      } finally {
        await dashboard.close();
      }
      for (const bad of ['mqtt://127.0.0.1:1883', 'not a url', 'ws://user:pw@127.0.0.1:8083']) {
        const error = await startDashboardServer({ wsUrl: bad }).then(() => undefined, (e: Error) => e);
        expect(error, bad).to.be.instanceOf(TypeError);
      }
    });
  });
});
