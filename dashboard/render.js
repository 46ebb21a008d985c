// claude-comms dashboard, part 2 of 4: rendering the live state (textContent / setAttribute only,
// message content never becomes HTML). Each row carries data-* attributes the tests select on.
(function () {
  'use strict';
  var Dash = window.Dash;
  var u = Dash.util;
  var el = u.el;

  function $(id) {
    return document.getElementById(id);
  }

  function badge(state) {
    return el('span', state, { class: 'badge', 'data-state': state });
  }

  function fillBody(tableId, rows, countId, emptyId) {
    var body = $(tableId).tBodies[0];
    body.replaceChildren.apply(body, rows);
    if (countId) $(countId).textContent = String(rows.length);
    if (emptyId) $(emptyId).hidden = rows.length > 0;
  }

  /**
   * What the stage column says. While running: the last stage reported. Once final: the final
   * state, with the last real stage after it (`completed · page 5/5`), so a finished row never
   * shows a stale `accepted`.
   */
  function stageText(c) {
    if (Dash.FINAL_STATES.indexOf(c.state) < 0) return c.stage || '';
    var last = c.stage && c.stage !== 'accepted' ? ' · ' + c.stage : '';
    return c.state + last;
  }

  function progressCell(percent) {
    var cell = el('td', undefined, { class: 'progress' });
    cell.appendChild(el('progress', undefined, { max: 100, value: percent }));
    cell.appendChild(el('span', percent + '%', { class: 'percent' }));
    return cell;
  }

  /** One conversation row (live or history); `depth` indents a child under its parent. */
  Dash.conversationRow = function (c, depth, extra) {
    var state = c.state || 'unknown';
    var percent = Math.max(0, Math.min(100, Math.round(c.percent || 0)));
    var tr = el('tr', undefined, { 'data-conversation': c.id, 'data-state': state, 'data-percent': percent, 'data-parent': c.parentId, 'data-depth': depth, class: extra });
    var idCell = el('td', undefined, { class: 'id' });
    idCell.style.paddingLeft = 0.6 + depth * 1.4 + 'rem';
    if (depth > 0) idCell.appendChild(el('span', '↳ ', { class: 'child-mark' }));
    idCell.appendChild(el('span', c.id, { class: 'conversation-id' }));
    tr.appendChild(idCell);
    tr.appendChild(el('td', (c.requester || '?') + ' → ' + (c.responder || '?'), { class: 'route' }));
    tr.appendChild(el('td', c.query || '', { class: 'query' }));
    var stateCell = el('td', undefined, { class: 'state' });
    stateCell.appendChild(badge(state));
    tr.appendChild(stateCell);
    tr.appendChild(progressCell(percent));
    tr.appendChild(el('td', stageText(c), { class: 'stage' }));
    tr.appendChild(el('td', c.note || '', { class: 'note' }));
    tr.appendChild(el('td', c.error ? c.error.code : '', { class: 'error', title: c.error && c.error.message }));
    tr.appendChild(el('td', u.dateTime(c.startedAt), { class: 'started', title: c.startedAt }));
    tr.appendChild(el('td', u.dateTime(c.updatedAt), { class: 'updated', title: c.updatedAt }));
    return tr;
  };

  /**
   * Conversations as a tree: roots newest first, each followed by its children (oldest first, as
   * the work happened), depth-first. A child whose parent is not on the page is a root.
   */
  Dash.treeOrder = function (list, newestFirst) {
    var byId = new Map();
    list.forEach(function (c) { byId.set(c.id, c); });
    var children = new Map();
    var roots = [];
    list.forEach(function (c) {
      if (c.parentId && byId.has(c.parentId) && c.parentId !== c.id) {
        if (!children.has(c.parentId)) children.set(c.parentId, []);
        children.get(c.parentId).push(c);
      } else roots.push(c);
    });
    var out = [];
    var seen = new Set();
    function visit(c, depth) {
      if (seen.has(c.id)) return;
      seen.add(c.id);
      out.push({ c: c, depth: depth });
      (children.get(c.id) || []).sort(newestFirst(false)).forEach(function (child) { visit(child, depth + 1); });
    }
    roots.sort(newestFirst(true)).forEach(function (c) { visit(c, 0); });
    return out;
  };

  Dash.renderModules = function (modules) {
    var rows = Array.from(modules.values())
      .sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; })
      .map(function (m) {
        var status = m.status || 'unknown';
        var tr = el('tr', undefined, { 'data-module': m.name, 'data-status': status });
        tr.appendChild(el('td', m.name, { class: 'name', title: m.card && m.card.description }));
        var statusCell = el('td', undefined, { class: 'status' });
        statusCell.appendChild(badge(status));
        tr.appendChild(statusCell);
        tr.appendChild(el('td', u.dateTime(m.statusAt), { class: 'since', title: m.statusAt }));
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
    fillBody('modules', rows, 'module-count', 'modules-empty');
  };

  Dash.renderConversations = function (conversations) {
    var order = Dash.treeOrder(Array.from(conversations.values()), function (desc) {
      return function (a, b) { return desc ? b.order - a.order : a.order - b.order; };
    });
    var rows = order.map(function (item) { return Dash.conversationRow(item.c, item.depth); });
    fillBody('conversations', rows, 'conversation-count', 'conversations-empty');
  };

  var COMMANDS = { pause: ['running'], resume: ['paused'], cancel: ['pending', 'running', 'paused'] };

  function workflowRow(w, canControl, onCommand) {
    var tr = el('tr', undefined, { 'data-workflow': w.id, 'data-state': w.state });
    tr.appendChild(el('td', w.name || w.id, { class: 'name', title: w.id }));
    var stateCell = el('td', undefined, { class: 'state' });
    stateCell.appendChild(badge(w.state));
    tr.appendChild(stateCell);
    var steps = el('td', undefined, { class: 'steps' });
    var list = el('ol', undefined, { class: 'steps' });
    Object.keys(w.steps || {}).forEach(function (id) {
      var s = w.steps[id] || {};
      var li = el('li', undefined, { 'data-step': id, 'data-state': s.state });
      li.appendChild(el('span', id, { class: 'step-id' }));
      li.appendChild(badge(s.state || 'pending'));
      var detail = [s.module, s.attempts > 1 ? 'attempt ' + s.attempts : '', s.error && s.error.code].filter(Boolean).join(' · ');
      if (detail) li.appendChild(el('span', detail, { class: 'step-detail', title: s.error && s.error.message }));
      list.appendChild(li);
    });
    steps.appendChild(list);
    tr.appendChild(steps);
    var controls = el('td', undefined, { class: 'controls' });
    Object.keys(COMMANDS).forEach(function (command) {
      var allowed = canControl && COMMANDS[command].indexOf(w.state) >= 0;
      var button = el('button', command, {
        type: 'button',
        'data-command': command,
        disabled: !allowed,
        title: canControl ? undefined : 'log in as operator to control workflows',
      });
      button.addEventListener('click', function () { onCommand(w.id, command, button); });
      controls.appendChild(button);
    });
    tr.appendChild(controls);
    tr.appendChild(el('td', w.error ? w.error.code : '', { class: 'error', title: w.error && w.error.message }));
    tr.appendChild(el('td', u.dateTime(w.updatedAt), { class: 'updated', title: w.updatedAt }));
    return tr;
  }

  Dash.renderWorkflows = function (workflows, canControl, onCommand) {
    var rows = Array.from(workflows.values())
      .sort(function (a, b) { return (b.startedAt || b.updatedAt || '') < (a.startedAt || a.updatedAt || '') ? -1 : 1; })
      .map(function (w) { return workflowRow(w, canControl, onCommand); });
    fillBody('workflows', rows, 'workflow-count', 'workflows-empty');
  };

  function formatRate(value) {
    return value === undefined ? '–' : value < 10 ? value.toFixed(1) : String(Math.round(value));
  }

  /** The strip: messages/s between the last two stats answers, open conversations, dead letters, mean duration. */
  Dash.renderStats = function (latest, rate) {
    var strip = $('stats');
    strip.setAttribute('data-ready', latest ? 'true' : 'false');
    if (!latest) return;
    var mean = latest.conversations.meanDurationMs;
    var cells = {
      rate: formatRate(rate),
      open: String(latest.conversations.open),
      deadletters: String(latest.deadLetters),
      latency: mean === null || mean === undefined ? '–' : mean < 1000 ? Math.round(mean) + ' ms' : (mean / 1000).toFixed(1) + ' s',
      messages: String(latest.messages.total),
      at: u.dateTime(latest.at),
    };
    Object.keys(cells).forEach(function (key) {
      var node = strip.querySelector('[data-stat="' + key + '"] .value');
      if (node) node.textContent = cells[key];
    });
  };
})();
