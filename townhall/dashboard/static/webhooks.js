/* Townhall dashboard: a site's webhooks (add, ping, rotate, delete, retry now) over the
 * JSON API. Same origin, cookie session; messages come translated in data attributes. */
(function () {
  'use strict';

  var statusEl = document.getElementById('status');
  // The page's catalogue (#9) for the two fallback errors; dashboard.js explains the format.
  var CATALOGUE = (function () {
    var node = document.getElementById('dashboard-i18n');
    try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
  })();
  function t(text, values) {
    var found = CATALOGUE[text];
    return (typeof found === 'string' && found ? found : text).replace(/%\((\w+)\)s/g, function (all, name) {
      return values && name in values ? String(values[name]) : all;
    });
  }

  function say(text) {
    if (!statusEl) return;
    statusEl.textContent = '';
    setTimeout(function () { statusEl.textContent = text; }, 30);
  }

  function base(el) {
    return '/api/v1/moderation/sites/' + encodeURIComponent(el.dataset.site) + '/webhooks';
  }

  function api(method, path, body) {
    var options = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (res) {
      if (res.status === 204) return null;
      return res.json().catch(function () { return null; }).then(function (data) {
        if (res.ok) return data;
        var p = data || {};
        var detail = p.detail || (p.errors || []).map(function (e) { return e.message; }).join(' ') || p.title;
        throw new Error(detail || t('The server answered %(status)s. Try again.', { status: res.status }));
      });
    }, function () {
      throw new Error(t('Could not reach the server. Check the connection and try again.'));
    });
  }

  function showSecret(secret) {
    var box = document.getElementById('webhook-secret');
    document.getElementById('webhook-secret-value').textContent = secret;
    box.hidden = false;
    box.focus();
  }

  var ACTIONS = {
    ping: function (el) {
      return api('POST', base(el) + '/' + el.dataset.hook + '/ping').then(function () { say(el.dataset.done); });
    },
    rotate: function (el) {
      return api('POST', base(el) + '/' + el.dataset.hook + '/secret').then(function (data) { showSecret(data.secret); });
    },
    'delete': function (el) {
      return api('DELETE', base(el) + '/' + el.dataset.hook).then(function () { location.reload(); });
    },
    retry: function (el) {
      var path = base(el) + '/' + el.dataset.hook + '/deliveries/' + el.dataset.delivery + '/retry';
      return api('POST', path).then(function () { setTimeout(function () { location.reload(); }, 1500); });
    },
    reload: function () { location.reload(); return Promise.resolve(); }
  };

  document.addEventListener('click', function (ev) {
    var el = ev.target.closest('[data-webhook-action]');
    if (!el) return;
    if (el.dataset.confirm && !window.confirm(el.dataset.confirm)) return;
    el.disabled = true;
    ACTIONS[el.dataset.webhookAction](el).catch(function (err) { say(err.message); }).then(function () {
      el.disabled = false;
    });
  });

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (form.dataset.webhookForm !== 'add') return;
    ev.preventDefault();
    var error = form.querySelector('.error');
    error.textContent = '';
    var events = Array.prototype.filter.call(form.elements.events, function (box) { return box.checked; })
      .map(function (box) { return box.value; });
    api('POST', base(form), { url: form.elements.url.value.trim(), events: events }).then(function (data) {
      showSecret(data.secret);
    }, function (err) { error.textContent = err.message; form.elements.url.focus(); });
  });
})();
