/* Townhall dashboard, moderation #3: feature a comment, edit it with a note, and decide
 * illegal-content notices (EU DSA) in the notices queue. Same origin, cookie session, no
 * inline script. Kept apart from dashboard.js, which owns the one-key queue actions. */
(function () {
  'use strict';

  var statusEl = document.getElementById('status');
  // The page's catalogue (#9); dashboard.js explains the format.
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

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }

  function api(method, path, body) {
    var options = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    return fetch('/api/v1' + path, options).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        if (res.ok) return data;
        var p = data || {};
        throw new Error(p.detail || p.title || t('The server answered %(status)s. Try again.', { status: res.status }));
      });
    }, function () {
      throw new Error(t('Could not reach the server. Check the connection and try again.'));
    });
  }

  var seq = 0;
  function field(label, control) {
    var id = 'cur-' + (++seq);
    control.id = id;
    return el('p', {}, [el('label', { for: id, text: label }), el('br'), control]);
  }

  function feature(item, button) {
    var on = button.getAttribute('aria-pressed') !== 'true';
    api('PUT', '/moderation/comments/' + item.dataset.id + '/featured', { featured: on }).then(function () {
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
      say(on ? t('Featured: it leads its story now.') : t('No longer featured.'));
    }, function (err) { say(err.message); });
  }

  function editForm(item, button) {
    if (item.querySelector('.curate-edit')) return item.querySelector('.curate-edit textarea').focus();
    var body = el('textarea', { rows: '5', required: 'required' });
    body.value = (item.querySelector('.body') || {}).textContent || '';
    var note = el('input', { maxlength: '1000', required: 'required' });
    var error = el('p', { class: 'error', role: 'alert' });
    var form = el('form', { class: 'curate-edit card', 'aria-label': t('Edit comment %(id)s', { id: item.dataset.id }) }, [
      field(t('Text'), body),
      field(t('Note shown to readers (why you edit)'), note),
      error,
      el('button', { type: 'submit', class: 'btn btn-approve', text: t('Save the edit') })
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      error.textContent = '';
      api('PATCH', '/moderation/comments/' + item.dataset.id, { body: body.value, note: note.value }).then(function (r) {
        var shown = item.querySelector('.body');
        if (shown) shown.textContent = r.body;
        form.remove();
        button.focus();
        say(t('Saved. Readers see: Edited by a moderator: %(note)s', { note: r.moderator_note }));
      }, function (err) { error.textContent = err.message; });
    });
    item.querySelector('.actions').after(form);
    body.focus();
  }

  function decisionForm(notice) {
    var group = 'notice-' + notice.id;
    var statement = el('textarea', { rows: '4', required: 'required', maxlength: '5000' });
    var error = el('p', { class: 'error', role: 'alert' });
    function choice(value, label, checked) {
      var id = group + '-' + value;
      var input = el('input', { type: 'radio', name: group, value: value, id: id });
      input.checked = checked;
      return el('span', { class: 'check' }, [input, ' ', el('label', { for: id, text: label })]);
    }
    var form = el('form', { class: 'notice-decision', 'aria-label': t('Decide notice %(id)s', { id: notice.id }) }, [
      el('fieldset', {}, [el('legend', { text: t('Decision') }),
        choice('remove', t('Remove the comment'), true), ' ', choice('keep', t('Keep it'), false)]),
      field(t('Statement of reasons (mailed to the author and the reporter)'), statement),
      error,
      el('button', { type: 'submit', class: 'btn btn-reject', text: t('Decide and send') })
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      error.textContent = '';
      var decision = form.querySelector('input:checked').value;
      api('POST', '/moderation/notices/' + notice.id + '/decision', { decision: decision, statement: statement.value })
        .then(function () {
          var keep = decision === 'keep';
          form.replaceWith(el('p', { role: 'status', text: t(keep ? 'Decided (keep); the statement was mailed.' : 'Decided (remove); the statement was mailed.') }));
          say(t(keep ? 'Notice %(id)s decided: keep.' : 'Notice %(id)s decided: remove.', { id: notice.id }));
        }, function (err) { error.textContent = err.message; });
    });
    return form;
  }

  function showNotices(list) {
    api('GET', '/moderation/notices').then(function (data) {
      data.notices.forEach(function (n) {
        var item = list.querySelector('.item[data-id="' + n.comment_id + '"]');
        if (!item) return;
        var box = item.querySelector('.notices') || el('section', { class: 'notices card', 'aria-label': t('Illegal-content notices') });
        box.append(el('article', { class: 'notice' }, [
          el('h3', { text: t('Notice %(id)s: %(category)s', { id: n.id, category: CATALOGUE['category:' + n.category] || n.category }) }),
          el('p', { dir: 'auto', text: n.explanation }),
          el('p', { class: 'muted', text: t('From %(name)s <%(email)s>, in good faith.', { name: n.reporter_name, email: n.reporter_email }) }),
          decisionForm(n)
        ]));
        if (!box.isConnected) item.querySelector('.actions').after(box);
      });
    }, function (err) { say(err.message); });
  }

  document.addEventListener('click', function (ev) {
    var button = ev.target.closest && ev.target.closest('[data-curate]');
    if (!button) return;
    var item = button.closest('.item');
    if (button.dataset.curate === 'feature') feature(item, button);
    else if (button.dataset.curate === 'edit') editForm(item, button);
  });

  var notices = document.querySelector('.items[data-queue="notices"]');
  if (notices) showNotices(notices);
})();
