// claude-comms dashboard, part 4 of 4: the login, the live state and the wiring (docs/dashboard.md).
// The password is typed into the login form and goes only into the MQTT CONNECT: never into the
// URL, the history or the server. The tab keeps it in sessionStorage so a reload logs in again.
(function () {
  'use strict';
  var Dash = window.Dash;
  var u = Dash.util;
  var MODULE_STATES = ['online', 'offline', 'lost'];
  /** Conversations kept in memory; the oldest finished ones are dropped beyond this. */
  var MAX_CONVERSATIONS = 500;
  var LOGIN_KEY = 'comms.dashboard.login';
  var STATS_EVERY_MS = 5000;

  var modules = new Map();
  var conversations = new Map();
  var workflows = new Map();
  var firstSeen = 0;
  var renderQueued = false;
  var config;
  var bus;
  var canAsk = false;
  var stats = { latest: undefined, rate: undefined, timer: undefined };
  var historyView = new Dash.History();
  var debug = (window.commsDashboard = { modules: modules, conversations: conversations, workflows: workflows, clientId: undefined, stopped: false });

  function $(id) {
    return document.getElementById(id);
  }

  function setConnection(state, text) {
    $('connection').setAttribute('data-state', state);
    $('connection').textContent = text || state;
  }

  // ---- state --------------------------------------------------------------------------------

  function moduleEntry(name) {
    if (!modules.has(name)) modules.set(name, { name: name });
    return modules.get(name);
  }

  /** Conversations whose responder reported progress: they publish their events, so their reply is not their end (onReply). */
  var publicIds = new Set();

  function conversationEntry(id) {
    if (!conversations.has(id)) conversations.set(id, { id: id, seq: -1, order: firstSeen++, percent: 0 });
    return conversations.get(id);
  }

  function onCard(name, body) {
    if (!body || typeof body !== 'object') return;
    moduleEntry(name).card = {
      version: u.str(body.version, 40),
      description: u.str(body.description, 500),
      backend: body.backend && typeof body.backend === 'object' ? [u.str(body.backend.kind, 40), u.str(body.backend.model, 80)].filter(Boolean).join(' · ') : undefined,
      queries: Array.isArray(body.queries)
        ? body.queries.filter(function (q) { return q && typeof q.schema === 'string'; }).map(function (q) { return { schema: u.str(q.schema, 100), description: u.str(q.description, 500) }; })
        : [],
    };
  }

  function onStatus(name, body) {
    if (!body || MODULE_STATES.indexOf(body.state) < 0) return;
    var m = moduleEntry(name);
    m.status = body.state;
    m.statusAt = u.str(body.at, 40);
  }

  function mergeCommon(c, envelope, body) {
    if (typeof body.state === 'string') c.state = u.str(body.state, 40);
    ['requester', 'responder'].forEach(function (k) { if (typeof body[k] === 'string') c[k] = u.str(body[k], 64); });
    if (typeof body.query === 'string') c.query = u.str(body.query, 100);
    var parent = typeof envelope.parentId === 'string' ? envelope.parentId : body.parentId;
    if (typeof parent === 'string') c.parentId = u.str(parent, 64);
    if (body.error && typeof body.error === 'object') c.error = { code: u.str(body.error.code, 60), message: u.str(body.error.message, 500) };
  }

  /** Retained snapshot: applied unless an event with a later seq already was. */
  function onSnapshot(id, envelope) {
    var body = envelope.body;
    if (!body || typeof body !== 'object') return;
    var seq = u.num(body.seq) !== undefined ? body.seq : u.num(envelope.seq);
    var c = conversationEntry(id);
    if (seq !== undefined && seq < c.seq) return;
    if (seq !== undefined) c.seq = seq;
    mergeCommon(c, envelope, body);
    if (u.num(body.percent) !== undefined) c.percent = Math.max(c.percent, body.percent);
    if (typeof body.stage === 'string') c.stage = u.str(body.stage, 200);
    if (typeof body.startedAt === 'string') c.startedAt = body.startedAt;
    if (typeof body.updatedAt === 'string') c.updatedAt = body.updatedAt;
  }

  /** Ordered lifecycle / progress event: applied when newer than what the row shows. */
  function onEvent(id, envelope) {
    var body = envelope.body;
    if (!body || typeof body !== 'object') return;
    var seq = u.num(envelope.seq);
    var c = conversationEntry(id);
    if (seq !== undefined && seq <= c.seq) return;
    if (seq !== undefined) c.seq = seq;
    mergeCommon(c, envelope, body);
    var p = body.progress;
    if (p && typeof p === 'object') {
      if (u.num(p.percent) !== undefined) c.percent = Math.max(c.percent, p.percent);
      if (typeof p.stage === 'string') c.stage = u.str(p.stage, 200);
      if (typeof p.note === 'string') c.note = u.str(p.note, 300);
    }
    if (c.state === 'completed') c.percent = 100;
    if (typeof envelope.sentAt === 'string') c.updatedAt = envelope.sentAt;
    if (!c.startedAt && typeof envelope.sentAt === 'string') c.startedAt = envelope.sentAt;
  }

  /**
   * A reply: the end of a quiet conversation, which publishes no event (docs/protocol.md, "Message budget of a
   * conversation"). A conversation whose events the page has seen ends with its own final event instead.
   */
  function onReply(_clientId, envelope) {
    if (typeof envelope.conversationId !== 'string') return;
    var known = conversations.get(envelope.conversationId);
    // Progress beyond the bare ack makes the requester publish its events, which may come after the reply.
    if (envelope.kind === 'progress' && isNews(envelope.body)) {
      if (publicIds.size >= 2 * MAX_CONVERSATIONS) publicIds.clear();
      publicIds.add(envelope.conversationId);
    }
    if (envelope.kind !== 'reply' || publicIds.has(envelope.conversationId) || (known && known.seq > 0)) return;
    var c = conversationEntry(envelope.conversationId);
    c.state = 'completed';
    c.percent = 100;
    if (typeof envelope.to === 'string') c.requester = u.str(envelope.to, 64);
    if (typeof envelope.from === 'string') c.responder = u.str(envelope.from, 64);
    if (typeof envelope.sentAt === 'string') {
      c.updatedAt = envelope.sentAt;
      if (!c.startedAt) c.startedAt = envelope.sentAt;
    }
  }

  /** Progress other than the responder's bare `accepted` (protocol/bodies.ts, isBareAck). */
  function isNews(report) {
    if (!report || typeof report !== 'object') return false;
    return !(report.stage === 'accepted' && !report.percent && !report.note && !report.inputRequired && !report.extendDeadline);
  }

  function onWorkflowState(id, envelope) {
    var body = envelope.body;
    if (!body || typeof body !== 'object' || typeof body.state !== 'string') return;
    var known = workflows.get(id);
    if (known && u.num(body.seq) !== undefined && body.seq < known.seq) return;
    workflows.set(id, {
      id: id,
      name: u.str(body.name, 200),
      state: u.str(body.state, 40),
      seq: u.num(body.seq) || 0,
      steps: body.steps && typeof body.steps === 'object' ? body.steps : {},
      error: body.error && typeof body.error === 'object' ? { code: u.str(body.error.code, 60), message: u.str(body.error.message, 500) } : undefined,
      startedAt: u.str(body.startedAt, 40),
      updatedAt: u.str(body.updatedAt, 40),
    });
  }

  function prune() {
    if (conversations.size <= MAX_CONVERSATIONS) return;
    var finished = Array.from(conversations.values())
      .filter(function (c) { return Dash.FINAL_STATES.indexOf(c.state) >= 0; })
      .sort(function (a, b) { return a.order - b.order; });
    for (var i = 0; i < finished.length && conversations.size > MAX_CONVERSATIONS; i++) conversations.delete(finished[i].id);
  }

  var ROUTES = [
    ['cards', onCard, true],
    ['statuses', onStatus, true],
    ['conversationStates', onSnapshot, false],
    ['conversationEvents', onEvent, false],
    ['replies', onReply, false],
    ['workflowStates', onWorkflowState, false],
  ];

  function onMessage(topic, envelope) {
    for (var i = 0; i < ROUTES.length; i++) {
      var match = u.topicMatch(config.subscribe[ROUTES[i][0]], topic);
      if (!match) continue;
      ROUTES[i][1](match[0], ROUTES[i][2] ? envelope.body : envelope);
      prune();
      return queueRender();
    }
  }

  // ---- rendering ----------------------------------------------------------------------------

  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(function () {
      renderQueued = false;
      render();
    });
  }

  function onCommand(workflowId, command, button) {
    button.disabled = true;
    bus.control(workflowId, command).catch(function (err) { setConnection('error', command + ' ' + workflowId + ' failed: ' + err.message); });
  }

  function render() {
    Dash.renderModules(modules);
    Dash.renderConversations(conversations);
    Dash.renderWorkflows(workflows, canAsk, onCommand);
    historyView.setModules(Array.from(modules.keys()).sort());
  }

  // ---- recorder stats -----------------------------------------------------------------------

  function pollStats() {
    if (!bus || bus.stopped || document.hidden) return;
    bus.ask('recorder.stats.query@1', {}).then(function (answer) {
      var prev = stats.latest;
      var seconds = prev ? (Date.parse(answer.at) - Date.parse(prev.at)) / 1000 : 0;
      if (seconds > 0) stats.rate = Math.max(0, answer.messages.total - prev.messages.total) / seconds;
      stats.latest = answer;
      Dash.renderStats(stats.latest, stats.rate);
    }, function () { /* the recorder may be restarting: the next poll tries again */ });
  }

  // ---- login and connection -----------------------------------------------------------------

  function storedLogin() {
    try { return JSON.parse(sessionStorage.getItem(LOGIN_KEY) || 'null'); } catch (e) { return null; }
  }

  function storeLogin(login) {
    try {
      if (login) sessionStorage.setItem(LOGIN_KEY, JSON.stringify(login));
      else sessionStorage.removeItem(LOGIN_KEY);
    } catch (e) { /* storage disabled: a reload asks again */ }
  }

  function showLogin(message) {
    $('login').hidden = false;
    $('login-message').textContent = message || '';
    $('login-password').value = '';
    $('login-password').focus();
  }

  function connect(ws, login) {
    $('login').hidden = true;
    canAsk = !config.secured || login.username !== 'observer';
    $('user').textContent = login.username ? 'as ' + login.username + (canAsk ? '' : ' (read only)') : '';
    $('logout').hidden = !config.secured;
    bus = new Dash.Bus(config, { ws: ws, username: login.username, password: login.password }, {
      message: onMessage,
      status: setConnection,
      subscribed: function () {
        if (!canAsk) return;
        historyView.bus = bus;
        historyView.load();
        pollStats();
      },
      refused: function (text) {
        debug.stopped = true;
        storeLogin(null);
        setConnection('error', text);
        showLogin(text);
      },
    });
    debug.clientId = bus.clientId;
    $('broker').textContent = ws + ' · ' + bus.clientId;
    document.body.setAttribute('data-can-control', canAsk ? 'true' : 'false');
    clearInterval(stats.timer);
    if (canAsk) stats.timer = setInterval(pollStats, STATS_EVERY_MS);
  }

  function start() {
    var params = new URLSearchParams(location.search);
    // Old links carried ?password=: drop it from the address bar at once, never use it.
    if (params.has('password')) {
      params.delete('password');
      replaceQuery(params);
    }
    var ws = params.get('ws') || config.wsUrl;
    if (!ws) return setConnection('error', 'no broker: open this page with ?ws=ws://host:port');
    $('login-username').value = params.get('username') || 'operator';
    $('login').addEventListener('submit', function (e) {
      e.preventDefault();
      var login = { username: $('login-username').value.trim(), password: $('login-password').value };
      storeLogin(login);
      debug.stopped = false;
      connect(ws, login);
    });
    $('logout').addEventListener('click', function () {
      storeLogin(null);
      location.reload();
    });
    if (!config.secured) return connect(ws, {});
    var saved = storedLogin();
    if (saved && saved.username) return connect(ws, saved);
    setConnection('login', 'log in');
    showLogin();
  }

  function replaceQuery(params) {
    var rest = params.toString();
    window.history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
  }

  render();
  Dash.loadConfig().then(function (loaded) {
    config = loaded;
    start();
  }, function (err) { setConnection('error', err.message); });
})();
