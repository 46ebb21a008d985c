// claude-comms dashboard: a read-only observer of the bus (docs/dashboard.md).
// Plain browser JS, no build step. Uses the global `mqtt` from mqtt.min.js (the mqtt package's
// browser bundle). It subscribes and never publishes. Message content only ever reaches the page
// through textContent / setAttribute, never as HTML.
(function () {
  'use strict';

  var FILTERS = [
    'comms/v1/modules/+/card',
    'comms/v1/modules/+/status',
    'comms/v1/conversations/+/state',
    'comms/v1/conversations/+/events',
  ];
  var TOPIC = /^comms\/v1\/(modules|conversations)\/([^/]+)\/(card|status|state|events)$/;
  var MODULE_STATES = ['online', 'offline', 'lost'];
  var FINAL_STATES = ['completed', 'failed', 'canceled', 'rejected', 'timed-out'];
  /** Conversations kept in memory; the oldest finished ones are dropped beyond this. */
  var MAX_CONVERSATIONS = 500;
  var PASSWORD_KEY = 'comms.dashboard.password';

  var modules = new Map();
  var conversations = new Map();
  var firstSeen = 0;
  var renderQueued = false;

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        if (attrs[name] !== undefined && attrs[name] !== null) node.setAttribute(name, String(attrs[name]));
      });
    }
    return node;
  }

  function str(value, max) {
    if (typeof value !== 'string') return undefined;
    return value.length > (max || 200) ? value.slice(0, max || 200) + '…' : value;
  }

  function num(value) {
    return typeof value === 'number' && isFinite(value) ? value : undefined;
  }

  function time(iso) {
    if (typeof iso !== 'string') return '';
    var d = new Date(iso);
    return isNaN(d.getTime()) ? '' : d.toLocaleTimeString();
  }

  function setConnection(state, text) {
    var node = $('connection');
    node.setAttribute('data-state', state);
    node.textContent = text || state;
  }

  // ---- settings from the query string -------------------------------------------------------

  function randomSuffix() {
    var bytes = new Uint8Array(6);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function readSettings() {
    var params = new URLSearchParams(location.search);
    var password = params.get('password');
    if (password !== null) {
      // Keep the password out of the address bar, history and screenshots; this tab remembers it for reloads.
      try { sessionStorage.setItem(PASSWORD_KEY, password); } catch (e) { /* storage disabled: fine */ }
      params.delete('password');
      var rest = params.toString();
      history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
    } else {
      try { password = sessionStorage.getItem(PASSWORD_KEY); } catch (e) { password = null; }
    }
    var username = params.get('username') || undefined;
    return {
      ws: params.get('ws') || undefined,
      username: username,
      password: password || undefined,
      // The broker requires a client id in the user's namespace: observer-<random> for the observer.
      clientId: (username || 'observer') + '-' + randomSuffix(),
    };
  }

  function defaultWsUrl() {
    return fetch('config.json', { cache: 'no-store' })
      .then(function (res) { return res.ok ? res.json() : {}; })
      .then(function (config) { return typeof config.wsUrl === 'string' ? config.wsUrl : undefined; })
      .catch(function () { return undefined; });
  }

  // ---- state --------------------------------------------------------------------------------

  function moduleEntry(name) {
    var m = modules.get(name);
    if (!m) {
      m = { name: name, status: undefined, statusAt: undefined, card: undefined };
      modules.set(name, m);
    }
    return m;
  }

  function conversationEntry(id) {
    var c = conversations.get(id);
    if (!c) {
      c = { id: id, seq: -1, order: firstSeen++, percent: 0 };
      conversations.set(id, c);
    }
    return c;
  }

  function onCard(name, body) {
    if (!body || typeof body !== 'object') return;
    var m = moduleEntry(name);
    m.card = {
      version: str(body.version, 40),
      description: str(body.description, 500),
      backend: body.backend && typeof body.backend === 'object' ? [str(body.backend.kind, 40), str(body.backend.model, 80)].filter(Boolean).join(' · ') : undefined,
      queries: Array.isArray(body.queries)
        ? body.queries
            .filter(function (q) { return q && typeof q.schema === 'string'; })
            .map(function (q) { return { schema: str(q.schema, 100), description: str(q.description, 500) }; })
        : [],
    };
  }

  function onStatus(name, body) {
    if (!body || MODULE_STATES.indexOf(body.state) < 0) return;
    var m = moduleEntry(name);
    m.status = body.state;
    m.statusAt = str(body.at, 40);
  }

  function mergeCommon(c, body) {
    if (typeof body.state === 'string') c.state = str(body.state, 40);
    if (typeof body.requester === 'string') c.requester = str(body.requester, 64);
    if (typeof body.responder === 'string') c.responder = str(body.responder, 64);
    if (typeof body.query === 'string') c.query = str(body.query, 100);
    if (body.error && typeof body.error === 'object') c.error = { code: str(body.error.code, 60), message: str(body.error.message, 500) };
  }

  /** Retained snapshot: everything at once, applied unless an event with a later seq already was. */
  function onSnapshot(id, envelope) {
    var body = envelope.body;
    if (!body || typeof body !== 'object') return;
    var seq = num(body.seq) !== undefined ? body.seq : num(envelope.seq);
    var c = conversationEntry(id);
    if (seq !== undefined && seq < c.seq) return;
    if (seq !== undefined) c.seq = seq;
    mergeCommon(c, body);
    if (num(body.percent) !== undefined) c.percent = Math.max(c.percent, body.percent);
    if (typeof body.stage === 'string') c.stage = str(body.stage, 200);
    if (typeof body.startedAt === 'string') c.startedAt = body.startedAt;
    if (typeof body.updatedAt === 'string') c.updatedAt = body.updatedAt;
  }

  /** Ordered lifecycle / progress event: applied when newer than what the row shows. */
  function onEvent(id, envelope) {
    var body = envelope.body;
    if (!body || typeof body !== 'object') return;
    var seq = num(envelope.seq);
    var c = conversationEntry(id);
    if (seq !== undefined && seq <= c.seq) return;
    if (seq !== undefined) c.seq = seq;
    mergeCommon(c, body);
    var p = body.progress;
    if (p && typeof p === 'object') {
      if (num(p.percent) !== undefined) c.percent = Math.max(c.percent, p.percent);
      if (typeof p.stage === 'string') c.stage = str(p.stage, 200);
    }
    if (c.state === 'completed') c.percent = 100;
    if (typeof envelope.sentAt === 'string') c.updatedAt = envelope.sentAt;
    if (!c.startedAt && typeof envelope.sentAt === 'string') c.startedAt = envelope.sentAt;
  }

  function prune() {
    if (conversations.size <= MAX_CONVERSATIONS) return;
    var finished = Array.from(conversations.values())
      .filter(function (c) { return FINAL_STATES.indexOf(c.state) >= 0; })
      .sort(function (a, b) { return a.order - b.order; });
    for (var i = 0; i < finished.length && conversations.size > MAX_CONVERSATIONS; i++) conversations.delete(finished[i].id);
  }

  function onMessage(topic, payload) {
    var match = TOPIC.exec(topic);
    if (!match) return;
    var text = new TextDecoder().decode(payload);
    // An empty retained payload clears a card or snapshot: keep showing what was last known.
    if (text.length === 0) return;
    var envelope;
    try { envelope = JSON.parse(text); } catch (e) { return; }
    if (!envelope || typeof envelope !== 'object') return;
    var subject = match[2];
    var leaf = match[3];
    if (match[1] === 'modules') {
      if (leaf === 'card') onCard(subject, envelope.body);
      else if (leaf === 'status') onStatus(subject, envelope.body);
    } else {
      if (leaf === 'state') onSnapshot(subject, envelope);
      else if (leaf === 'events') onEvent(subject, envelope);
      prune();
    }
    queueRender();
  }

  // ---- rendering (textContent only) ---------------------------------------------------------

  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(function () {
      renderQueued = false;
      render();
    });
  }

  function renderModules() {
    var rows = Array.from(modules.values())
      .sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; })
      .map(function (m) {
        var status = m.status || 'unknown';
        var tr = el('tr', undefined, { 'data-module': m.name, 'data-status': status });
        tr.appendChild(el('td', m.name, { class: 'name', title: m.card && m.card.description }));
        var statusCell = el('td', undefined, { class: 'status' });
        statusCell.appendChild(el('span', status, { class: 'badge', 'data-state': status }));
        tr.appendChild(statusCell);
        tr.appendChild(el('td', time(m.statusAt), { class: 'since', title: m.statusAt }));
        var queries = el('td', undefined, { class: 'queries' });
        var list = el('ul', undefined, { class: 'queries' });
        ((m.card && m.card.queries) || []).forEach(function (q) {
          list.appendChild(el('li', q.schema, { title: q.description, 'data-query': q.schema }));
        });
        queries.appendChild(list);
        tr.appendChild(queries);
        tr.appendChild(el('td', m.card ? [m.card.backend, m.card.version && 'v' + m.card.version].filter(Boolean).join(' · ') : '', { class: 'backend' }));
        return tr;
      });
    $('modules').tBodies[0].replaceChildren.apply($('modules').tBodies[0], rows);
    $('module-count').textContent = String(rows.length);
    $('modules-empty').hidden = rows.length > 0;
  }

  function renderConversations() {
    var rows = Array.from(conversations.values())
      .sort(function (a, b) { return b.order - a.order; })
      .map(function (c) {
        var state = c.state || 'unknown';
        var percent = Math.max(0, Math.min(100, Math.round(c.percent || 0)));
        var tr = el('tr', undefined, { 'data-conversation': c.id, 'data-state': state, 'data-percent': percent });
        tr.appendChild(el('td', c.id, { class: 'id' }));
        tr.appendChild(el('td', (c.requester || '?') + ' → ' + (c.responder || '?'), { class: 'route' }));
        tr.appendChild(el('td', c.query || '', { class: 'query' }));
        var stateCell = el('td', undefined, { class: 'state' });
        stateCell.appendChild(el('span', state, { class: 'badge', 'data-state': state }));
        tr.appendChild(stateCell);
        var progressCell = el('td', undefined, { class: 'progress' });
        var bar = el('progress', undefined, { max: 100, value: percent });
        progressCell.appendChild(bar);
        progressCell.appendChild(el('span', percent + '%', { class: 'percent' }));
        tr.appendChild(progressCell);
        tr.appendChild(el('td', c.stage || '', { class: 'stage' }));
        tr.appendChild(el('td', c.error ? c.error.code : '', { class: 'error', title: c.error && c.error.message }));
        tr.appendChild(el('td', time(c.updatedAt), { class: 'updated', title: c.updatedAt }));
        return tr;
      });
    $('conversations').tBodies[0].replaceChildren.apply($('conversations').tBodies[0], rows);
    $('conversation-count').textContent = String(rows.length);
    $('conversations-empty').hidden = rows.length > 0;
  }

  function render() {
    renderModules();
    renderConversations();
  }

  // ---- connection ---------------------------------------------------------------------------

  function connect(settings) {
    if (!settings.ws) {
      setConnection('error', 'no broker: open this page with ?ws=ws://host:port&username=observer&password=...');
      return;
    }
    $('broker').textContent = settings.ws + ' as ' + settings.clientId;
    // Only for debugging from the console; there is deliberately no publish path in this page.
    // `stopped` turns true when the page gave up (a refused login); it does not reconnect after that.
    window.commsDashboard = { modules: modules, conversations: conversations, clientId: settings.clientId, stopped: false };
    var client = mqtt.connect(settings.ws, {
      clientId: settings.clientId,
      username: settings.username,
      password: settings.password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 2000,
      connectTimeout: 10000,
    });
    client.on('connect', function () {
      setConnection('connected', 'connected');
      client.subscribe(FILTERS, { qos: 1 }, function (err, granted) {
        var refused = (granted || []).filter(function (g) { return g.qos === 128; }).map(function (g) { return g.topic; });
        if (err || refused.length) setConnection('error', 'subscription refused: ' + (refused.join(', ') || (err && err.message)));
      });
    });
    client.on('message', onMessage);
    client.on('reconnect', function () { if (!window.commsDashboard.stopped) setConnection('reconnecting', 'reconnecting'); });
    client.on('offline', function () { if (!window.commsDashboard.stopped) setConnection('reconnecting', 'offline, retrying'); });
    client.on('error', function (err) {
      var message = err && err.message ? err.message : String(err);
      // CONNACK 4 (bad username or password) / 5 (not authorized): retrying cannot help, so stop.
      if (err && (err.code === 4 || err.code === 5)) {
        client.end(true);
        window.commsDashboard.stopped = true;
        setConnection('error', 'login refused: ' + message + ' (check username, password and client id in the URL)');
        return;
      }
      setConnection('error', 'error: ' + message);
    });
    client.on('close', function () {
      if ($('connection').getAttribute('data-state') === 'connected') setConnection('reconnecting', 'connection lost, retrying');
    });
  }

  var settings = readSettings();
  render();
  if (settings.ws) connect(settings);
  else defaultWsUrl().then(function (ws) { settings.ws = ws; connect(settings); });
})();
