// claude-comms dashboard, part 3 of 4: history from the recorder (conversation.list.query@1 pages
// with filters, conversation.events.query@1 for one conversation's full event list). Only a login
// that may ask the recorder (operator, admin, or an open broker) gets these.
(function () {
  'use strict';
  var Dash = window.Dash;
  var u = Dash.util;
  var el = u.el;
  var PAGE_SIZE = 20;

  function $(id) {
    return document.getElementById(id);
  }

  function byStart(desc) {
    return function (a, b) {
      var x = a.startedAt || '';
      var y = b.startedAt || '';
      return x === y ? 0 : (x < y) === desc ? 1 : -1;
    };
  }

  function eventRow(e) {
    var ev = e.event || {};
    var p = ev.progress || {};
    var tr = el('tr', undefined, { 'data-seq': e.seq, 'data-type': ev.type, 'data-state': ev.state });
    tr.appendChild(el('td', e.seq, { class: 'seq' }));
    tr.appendChild(el('td', u.dateTime(e.at), { class: 'at', title: e.at }));
    tr.appendChild(el('td', ev.type || '', { class: 'type' }));
    tr.appendChild(el('td', ev.state || '', { class: 'state' }));
    tr.appendChild(el('td', u.num(p.percent) !== undefined ? p.percent + '%' : '', { class: 'percent' }));
    tr.appendChild(el('td', u.str(p.stage) || '', { class: 'stage' }));
    tr.appendChild(el('td', u.str(p.note, 500) || '', { class: 'note' }));
    tr.appendChild(el('td', ev.error ? ev.error.code : '', { class: 'error', title: ev.error && ev.error.message }));
    return tr;
  }

  /** The history section and the event panel; `bus` is set once connected with a login that may ask. */
  Dash.History = function () {
    var self = this;
    var offset = 0;
    var total = 0;
    self.bus = undefined;

    function filter() {
      var f = { offset: offset, limit: PAGE_SIZE };
      if ($('history-module').value) f.module = $('history-module').value;
      if ($('history-state').value) f.state = $('history-state').value;
      if ($('history-text').value.trim()) f.text = $('history-text').value.trim();
      return f;
    }

    function showError(message) {
      $('history-status').textContent = message;
      $('history-status').setAttribute('data-state', 'error');
    }

    self.load = function () {
      if (!self.bus) return Promise.resolve();
      var asked = filter();
      $('history').setAttribute('data-loading', 'true');
      return self.bus
        .ask('conversation.list.query@1', asked)
        .then(function (answer) {
          total = answer.total;
          var order = Dash.treeOrder(answer.conversations, byStart);
          var rows = order.map(function (item) { return Dash.conversationRow(item.c, item.depth); });
          var body = $('history').tBodies[0];
          body.replaceChildren.apply(body, rows);
          var pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
          var page = Math.floor(offset / PAGE_SIZE) + 1;
          $('history-status').textContent = 'page ' + page + ' of ' + pages + ' · ' + total + ' conversation' + (total === 1 ? '' : 's');
          $('history-status').setAttribute('data-state', 'ok');
          $('history').setAttribute('data-page', page);
          $('history').setAttribute('data-pages', pages);
          $('history-prev').disabled = offset === 0;
          $('history-next').disabled = offset + PAGE_SIZE >= total;
        })
        .catch(function (err) { showError('history: ' + err.message); })
        .then(function () { $('history').setAttribute('data-loading', 'false'); });
    };

    self.showEvents = function (conversationId) {
      if (!self.bus) return;
      var panel = $('events-panel');
      panel.hidden = false;
      panel.setAttribute('data-conversation', conversationId);
      panel.setAttribute('data-loaded', 'false');
      $('events-title').textContent = conversationId;
      self.bus
        .ask('conversation.events.query@1', { conversationId: conversationId, afterSeq: 0 })
        .then(function (answer) {
          var rows = answer.events.map(eventRow);
          var body = $('events').tBodies[0];
          body.replaceChildren.apply(body, rows);
          $('events-empty').hidden = rows.length > 0;
          panel.setAttribute('data-loaded', 'true');
        })
        .catch(function (err) { $('events-title').textContent = conversationId + ' — ' + err.message; });
    };

    /** Keep the module filter's choices in step with the modules seen (the selection survives). */
    self.setModules = function (names) {
      var select = $('history-module');
      var current = select.value;
      var options = [el('option', 'any module', { value: '' })].concat(names.map(function (n) { return el('option', n, { value: n }); }));
      select.replaceChildren.apply(select, options);
      select.value = names.indexOf(current) >= 0 ? current : '';
    };

    $('history-filter').addEventListener('submit', function (e) {
      e.preventDefault();
      offset = 0;
      self.load();
    });
    $('history-prev').addEventListener('click', function () {
      offset = Math.max(0, offset - PAGE_SIZE);
      self.load();
    });
    $('history-next').addEventListener('click', function () {
      if (offset + PAGE_SIZE < total) offset += PAGE_SIZE;
      self.load();
    });
    $('events-close').addEventListener('click', function () { $('events-panel').hidden = true; });
    // A click on any conversation row (live or history) opens its full event list.
    document.addEventListener('click', function (e) {
      var row = e.target && e.target.closest ? e.target.closest('tr[data-conversation]') : null;
      if (row && self.bus) self.showEvents(row.getAttribute('data-conversation'));
    });
  };
})();
