import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import mqtt from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBroker } from '../broker/index.ts';
import { Actor, defineQuery, type HandlerContext } from '../actors/runtime/index.ts';
import { createRecorder } from '../actors/recorder/index.ts';
import { createOrchestrator } from '../actors/orchestrator/index.ts';
import { createLogger } from '../logging/index.ts';
import { Topics, createEnvelope, encodeEnvelope } from '../protocol/index.ts';
import { addUser, RolePolicy } from '../security/index.ts';
import { dashboardPageUrl, pageConfig, startDashboardServer, type DashboardServer, type PageConfig } from '../dashboard/index.ts';
import { busFixture, deferred, echoQuery } from './support/bus-fixture.ts';

const CHROMIUM = process.env.COMMS_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type Fixture = Awaited<ReturnType<typeof busFixture>>;
/** Where the screenshot is kept for people to look at (out/ is gitignored); docs/dashboard.md says so. */
const ARTIFACTS = join(process.cwd(), 'out', 'test-artifacts');

/** Type the login into the page's form: the password goes only into the MQTT CONNECT. */
async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-username', username);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

/** A test query taking and returning any object. */
function anyQuery(schema: string, handle: (body: Record<string, unknown>, ctx: HandlerContext) => Promise<Record<string, unknown>>) {
  const anything = Type.Record(Type.String(), Type.Unknown());
  return defineQuery({ schema, description: `test query ${schema}`, request: anything, responseSchemaId: schema.replace('@', '.answer@'), response: anything, handle });
}

/**
 * A secured bus as `comms up` runs it, in small: RolePolicy with one user per role, the recorder,
 * the orchestrator, a `converter` whose convert@1 reports `page 2/5` and asks `echo` (a nested child
 * conversation, held until childGate), a `worker` for workflow steps (the first one held until
 * firstStepGate), a requester, and the dashboard server.
 */
async function operatorSystem() {
  const names = [['observer', 'observer'], ['operator', 'operator'], ['recorder', 'recorder'], ['orchestrator', 'actor'], ['converter', 'actor'], ['echo', 'actor'], ['worker', 'actor'], ['requester', 'actor']] as const;
  let creds = { version: 1 as const, users: [] as never[] } as Parameters<typeof addUser>[0];
  for (const [username, role] of names) creds = (await addUser(creds, { username, role, password: `${username}-pw` })).credentials;
  const denials: string[] = [];
  const broker = await startBroker({ port: 0, wsPort: 0, access: new RolePolicy(creds), onDenied: (what) => denials.push(what) });
  const dir = mkdtempSync(join(tmpdir(), 'comms-dashboard-'));
  const login = (name: string) => ({ url: broker.url, username: name, password: `${name}-pw`, logger: createLogger(name, process.env.COMMS_LOG_LEVEL ?? 'silent') });
  const recorder = createRecorder({ ...login('recorder'), dbPath: join(dir, 'comms.db') });
  const orchestrator = createOrchestrator({ ...login('orchestrator'), statePath: join(dir, 'workflows.db') });
  const childGate = deferred();
  const childStarted = deferred<string>();
  const firstStepGate = deferred();
  const firstStepStarted = deferred();
  const echo = new Actor({ name: 'echo', ...login('echo') }).handle(
    echoQuery('echo', { onStart: (ctx) => childStarted.resolve(ctx.request.conversationId), gate: childGate.promise }),
  );
  const converter = new Actor({ name: 'converter', ...login('converter') }).handle(
    anyQuery('convert@1', async (body, ctx) => {
      ctx.progress({ percent: 40, stage: 'extract', note: `page 2/${String(body.pages)}` });
      await ctx.ask('echo', 'echo@1', { text: 'child', steps: 1 });
      return { pages: body.pages };
    }),
  );
  const worker = new Actor({ name: 'worker', ...login('worker') }).handle(
    anyQuery('work@1', async (body) => {
      if (body.name === 'first') {
        firstStepStarted.resolve();
        await firstStepGate.promise;
      }
      return { done: body.name };
    }),
  );
  const requester = new Actor({ name: 'requester', ...login('requester') });
  const actors = [echo, converter, worker, requester];
  await recorder.start();
  await orchestrator.start();
  for (const actor of actors) await actor.start();
  const dashboard = await startDashboardServer({ port: 0, wsUrl: broker.wsUrl as string });
  return {
    broker, recorder, orchestrator, requester, dashboard, denials, childGate, childStarted, firstStepGate, firstStepStarted,
    async close() {
      childGate.resolve();
      firstStepGate.resolve();
      await dashboard.close();
      for (const actor of actors) await actor.stop().catch(() => {});
      await orchestrator.stop().catch(() => {});
      await recorder.stop().catch(() => {});
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

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
      dashboard = await startDashboardServer({ port: 0, wsUrl: bus.broker.wsUrl as string, secured: false });
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
      // An open broker (comms up --insecure) takes no login: no form, the page connects at once.
      await page.goto(dashboardPageUrl(dashboard.url, { wsUrl: bus.broker.wsUrl as string }));
      await page.waitForSelector('#connection[data-state="connected"]');
      expect(await page.$eval('#login', (f) => (f as HTMLFormElement).hidden)).to.equal(true);

      const responderRow = await page.waitForSelector('tr[data-module="responder"][data-status="online"]');
      expect(await responderRow.$eval('td.queries', (td) => td.textContent)).to.equal('echo@1');
      await page.waitForSelector('tr[data-module="requester"][data-status="online"]');

      const conversation = requester.request<{ text: string; handledBy: string }>('responder', 'echo@1', { text: 'hello', steps: 3 });
      const working = await page.waitForSelector(`tr[data-conversation="${conversation.id}"][data-state="working"][data-percent="100"]`);
      const cells = await working.$$eval('td', (tds) => tds.map((td) => td.textContent));
      expect(cells.slice(0, 8)).to.deep.equal([conversation.id, 'requester → responder', 'echo@1', 'working', '100%', 'step 3', '', '']);
      // Dates with times: 2026-12-02 03:24:35.
      expect(cells[8]).to.match(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(await working.$eval('progress', (p) => (p as HTMLProgressElement).value)).to.equal(100);
      expect(conversation.state).to.equal('working');

      gate.resolve();
      expect(await conversation.result).to.deep.equal({ text: 'hello', handledBy: 'responder' });
      const completed = await page.waitForSelector(`tr[data-conversation="${conversation.id}"][data-state="completed"]`);
      expect(await completed.getAttribute('data-percent')).to.equal('100');
      expect(await completed.$eval('td.progress', (td) => td.textContent)).to.equal('100%');
      // A finished row says how it ended, with the last real stage: never a stale `accepted`.
      expect(await completed.$eval('td.stage', (td) => td.textContent)).to.equal('completed · step 3');

      // A quiet conversation publishes no event (docs/protocol.md, "Message budget"): its reply shows it completed.
      const quiet = requester.request('responder', 'echo@1', { text: 'quiet' }, { eventsAfterMs: 600_000 });
      await quiet.result;
      const quietRow = await page.waitForSelector(`tr[data-conversation="${quiet.id}"][data-state="completed"]`);
      expect(await quietRow.getAttribute('data-percent')).to.equal('100');
      expect((await quietRow.$$eval('td', (tds) => tds.map((td) => td.textContent)))[1]).to.equal('requester → responder');

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
      expect(await row.$eval('td.stage', (td) => td.textContent)).to.equal('failed · <img id="xss" src="x">');
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
    it('asks for the login in a form (never in the URL), logs in as the observer read-only, survives a reload; a wrong password shows an error', async () => {
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
        await page.goto(dashboardPageUrl(dashboard.url, { wsUrl: broker.wsUrl as string, username: 'observer' }));
        const entries = await page.evaluate(() => history.length);
        await logIn(page, 'observer', 'observer-pw');
        await page.waitForSelector('tr[data-module="responder"][data-status="online"]');
        await page.waitForSelector('#connection[data-state="connected"]');
        // Logging in neither navigates nor adds a history entry: the password is in no URL.
        expect(page.url()).to.not.contain('observer-pw');
        expect(await page.evaluate(() => history.length)).to.equal(entries);
        // Read only: no history queries, no controls.
        expect(await page.$eval('body', (b) => b.getAttribute('data-can-control'))).to.equal('false');
        expect(await page.$eval('#history-status', (s) => s.textContent)).to.match(/log in as operator/);
        // A reload logs in again (the tab keeps the login in sessionStorage), without the form.
        await page.reload();
        await page.waitForSelector('tr[data-module="responder"][data-status="online"]');
        expect(await page.$eval('#login', (f) => (f as HTMLFormElement).hidden)).to.equal(true);
        expect(problems).to.deep.equal([]);
        expect(denials).to.deep.equal([]);
        const observers = connected.filter((id) => id !== 'responder');
        expect(observers).to.have.length(2);
        for (const id of observers) expect(id).to.match(/^observer-[0-9a-f]{12}$/);

        const intruder = await browser.newPage();
        intruder.setDefaultTimeout(120_000);
        await intruder.goto(dashboardPageUrl(dashboard.url, { wsUrl: broker.wsUrl as string, username: 'observer' }));
        await logIn(intruder, 'observer', 'wrong');
        const status = await intruder.waitForSelector('#connection[data-state="error"]');
        expect(await status.textContent()).to.match(/^login refused: .*bad username or password/i);
        // The form is back with the reason, for another try.
        await intruder.waitForSelector('#login:not([hidden])');
        expect(await intruder.$eval('#login-message', (m) => m.textContent)).to.match(/bad username or password/i);
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

    it('as operator: a conversion with its nested child, a workflow paused and resumed from the page, stats, paged and filtered history, a full event list', async () => {
      const sys = await operatorSystem();
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        page.setDefaultTimeout(20_000);
        const problems = watchPage(page);
        await page.goto(dashboardPageUrl(sys.dashboard.url, { wsUrl: sys.broker.wsUrl as string, username: 'operator' }));
        expect(await page.$eval('#login-username', (i) => (i as HTMLInputElement).value)).to.equal('operator');
        await logIn(page, 'operator', 'operator-pw');
        await page.waitForSelector('#connection[data-state="connected"]');
        await page.waitForSelector('body[data-can-control="true"]');
        expect(page.url()).to.not.contain('operator-pw');
        // The history's first page loads on login.
        await page.waitForSelector('#history-status[data-state="ok"]');

        // A conversion running, its child conversation nested right under it with its page note.
        const conversion = sys.requester.request<{ pages: number }>('converter', 'convert@1', { pages: 5 }, { timeoutMs: 60_000 });
        const child = await sys.childStarted.promise;
        const parent = `#conversations tr[data-conversation="${conversion.id}"]`;
        await page.waitForSelector(`${parent}[data-state="working"]`);
        await page.waitForFunction((selector) => document.querySelector(`${selector} td.note`)?.textContent === 'page 2/5', parent);
        expect(await page.$eval(`${parent} td.stage`, (td) => td.textContent)).to.equal('extract');
        await page.waitForSelector(`#conversations tr[data-conversation="${child}"][data-parent="${conversion.id}"][data-depth="1"][data-state="working"]`);
        const order = await page.$$eval('#conversations tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-conversation')));
        expect(order.indexOf(child)).to.equal(order.indexOf(conversion.id) + 1);

        // A workflow paused and resumed from the page (published as operator; the recorder keeps who sent it).
        const wf = sys.orchestrator.createWorkflow({
          name: 'pausable',
          steps: [
            { id: 'first', module: 'worker', query: 'work@1', input: { name: 'first' } },
            { id: 'second', module: 'worker', query: 'work@1', input: { name: 'second' }, dependsOn: ['first'] },
          ],
        });
        const done = sys.orchestrator.executeWorkflow(wf.id);
        await sys.firstStepStarted.promise;
        await page.click(`tr[data-workflow="${wf.id}"][data-state="running"] button[data-command="pause"]:not([disabled])`);
        const paused = `tr[data-workflow="${wf.id}"][data-state="paused"]`;
        await page.waitForSelector(paused);
        expect(await page.$eval(`${paused} button[data-command="resume"]`, (b) => (b as HTMLButtonElement).disabled)).to.equal(false);
        expect(await page.$eval(`${paused} button[data-command="pause"]`, (b) => (b as HTMLButtonElement).disabled)).to.equal(true);
        sys.firstStepGate.resolve();
        await page.waitForSelector(`${paused} li[data-step="first"][data-state="completed"]`);
        expect(await page.$eval(`${paused} li[data-step="second"]`, (li) => li.getAttribute('data-state'))).to.equal('pending');

        // The rate strip, fed by recorder.stats.query@1 (messages/s needs two answers).
        await page.waitForSelector('#stats[data-ready="true"]');
        await page.waitForFunction(() => document.querySelector('[data-stat="rate"] .value')?.textContent !== '–');
        expect(Number(await page.$eval('[data-stat="open"] .value', (v) => v.textContent))).to.be.greaterThan(0);
        expect(await page.$eval('[data-stat="deadletters"] .value', (v) => v.textContent)).to.equal('0');

        // The history holds them too (the page is not paged yet: 3 conversations, the child nested).
        await page.click('#history-search');
        await page.waitForFunction(() => document.querySelector('#history-status')?.textContent === 'page 1 of 1 · 3 conversations');
        mkdirSync(ARTIFACTS, { recursive: true });
        const shot = join(ARTIFACTS, 'dashboard.png');
        await page.screenshot({ path: shot, fullPage: true });
        expect(readFileSync(shot).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).to.equal(true);

        await page.click(`tr[data-workflow="${wf.id}"] button[data-command="resume"]`);
        await page.waitForSelector(`tr[data-workflow="${wf.id}"][data-state="completed"] li[data-step="second"][data-state="completed"]`);
        expect((await done).state).to.equal('completed');
        const controls = sys.recorder.queries.listMessages({ topicPrefix: Topics.workflowControl(wf.id) }).map((m) => m.payload as { from: string; body: { command: string } });
        expect(controls.map((c) => [c.from, c.body.command])).to.deep.equal([['operator', 'pause'], ['operator', 'resume']]);

        // The conversion ends: the parent row shows the final state with its last stage.
        sys.childGate.resolve();
        await conversion.result;
        const finished = await page.waitForSelector(`#conversations tr[data-conversation="${conversion.id}"][data-state="completed"]`);
        expect(await finished.$eval('td.stage', (td) => td.textContent)).to.equal('completed · extract');

        // History: more than a page of conversations, paged; filtered by module, state and text.
        await Promise.all(Array.from({ length: 20 }, (_, i) => sys.requester.request('echo', 'echo@1', { text: `bulk ${i}` }).result));
        await page.click('#history-search');
        await page.waitForSelector('#history[data-loading="false"][data-page="1"][data-pages="2"]');
        expect(await page.$eval('#history-status', (s) => s.textContent)).to.match(/^page 1 of 2 · 2\d conversations$/);
        const firstPage = await page.$$eval('#history tbody tr', (trs) => trs.map((tr) => tr.querySelector('td.query')?.textContent));
        expect(firstPage).to.have.length(20);
        expect(firstPage.filter((q) => q?.startsWith('recorder.') || q?.startsWith('conversation.'))).to.deep.equal([]);
        await page.click('#history-next');
        await page.waitForSelector('#history[data-loading="false"][data-page="2"]');
        await page.selectOption('#history-module', 'converter');
        await page.selectOption('#history-state', 'completed');
        await page.click('#history-search');
        await page.waitForSelector('#history[data-loading="false"][data-page="1"][data-pages="1"]');
        const byModule = await page.$$eval('#history tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-conversation'), tr.getAttribute('data-depth')]));
        // The conversion and, nested under it, its child (converter asked echo).
        expect(byModule).to.deep.equal([[conversion.id, '0'], [child, '1']]);
        await page.selectOption('#history-module', '');
        await page.selectOption('#history-state', '');
        // Text matches id, query, stage, modules and error code, case-insensitively.
        await page.fill('#history-text', 'CONVERT@');
        await page.click('#history-search');
        await page.waitForFunction(() => document.querySelector('#history-status')?.textContent === 'page 1 of 1 · 1 conversation');

        // A conversation's full event list from the recorder.
        await page.click(`#history tr[data-conversation="${conversion.id}"]`);
        await page.waitForSelector(`#events-panel[data-conversation="${conversion.id}"][data-loaded="true"]`);
        const events = await page.$$eval('#events tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-type'), tr.getAttribute('data-state'), tr.querySelector('td.note')?.textContent]));
        expect(events[0]).to.deep.equal(['state', 'submitted', '']);
        expect(events).to.deep.include(['progress', 'working', 'page 2/5']);
        expect(events[events.length - 1]?.slice(0, 2)).to.deep.equal(['state', 'completed']);

        expect(problems).to.deep.equal([]);
        expect(sys.denials).to.deep.equal([]);
        await page.close();
      } finally {
        await sys.close();
      }
    });

    it('the operator role publishes only workflow control and the recorder history queries, as itself', async () => {
      let creds = { version: 1 as const, users: [] as never[] } as Parameters<typeof addUser>[0];
      for (const [username, role] of [['operator', 'operator'], ['recorder', 'recorder']] as const) creds = (await addUser(creds, { username, role })).credentials;
      const policy = new RolePolicy(creds);
      const operator = { username: 'operator', role: 'operator' };
      const request = (from: string, schema: string) => Buffer.from(JSON.stringify({ from, schema }));
      expect(policy.canSubscribe(operator, 'comms/v1/#', 'operator-1')).to.equal(true);
      expect(policy.publishProblem(operator, Topics.workflowControl('wf-1'), 'operator-1', Buffer.from('{"command":"pause"}'))).to.equal(undefined);
      expect(policy.publishProblem(operator, Topics.workflowControl('wf-1'), 'operator-1', request('operator', 'workflow.control@1'))).to.equal(undefined);
      expect(policy.publishProblem(operator, Topics.workflowControl('wf-1'), 'operator-1', request('orchestrator', 'workflow.control@1'))).to.match(/not operator/);
      expect(policy.publishProblem(operator, Topics.workflowControl('wf-1'), 'operator-1', Buffer.from('{"command":"pause"}'), true)).to.match(/never publishes retained/);
      expect(policy.publishProblem(operator, Topics.moduleInbox('recorder'), 'operator-1', request('operator', 'conversation.list.query@1'))).to.equal(undefined);
      expect(policy.publishProblem(operator, Topics.moduleInbox('recorder'), 'operator-1', request('operator', 'echo@1'))).to.match(/may only ask the recorder/);
      expect(policy.publishProblem(operator, Topics.moduleInbox('recorder'), 'operator-1', request('admin', 'recorder.stats.query@1'))).to.match(/not operator/);
      expect(policy.publishProblem(operator, Topics.moduleInbox('marker'), 'operator-1', request('operator', 'conversation.list.query@1'))).to.match(/only publishes workflow control/);
      for (const topic of [Topics.workflowState('wf-1'), Topics.workflowEvents('wf-1'), Topics.conversationEvents('c1'), Topics.moduleStatus('operator')]) {
        expect(policy.canPublish(operator, topic, 'operator-1', request('operator', 'x@1')), topic).to.equal(false);
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
        // The page's topic filters and templates come from the topic map, not from app.js.
        const config = (await fetch(new URL('config.json', dashboard.url)).then((r) => r.json())) as PageConfig;
        expect(config).to.deep.equal(pageConfig({ wsUrl: 'ws://127.0.0.1:8083', secured: true, recorder: 'recorder' }));
        expect(config.subscribe.workflowStates).to.equal(Topics.filters.allWorkflowStates);
        expect(config.templates.workflowControl).to.equal('comms/v1/workflows/{id}/control');
        expect(config.schemas.recorderQueries).to.include.members(['conversation.list.query@1', 'conversation.events.query@1', 'recorder.stats.query@1']);
        for (const script of ['bus.js', 'render.js', 'history.js', 'app.js']) {
          const js = await fetch(new URL(script, dashboard.url)).then((r) => r.text());
          expect(js, script).to.not.match(/comms\/v1/);
        }
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
