/* Townhall dashboard, moderation #3: feature a comment, edit it with a note, and decide
 * illegal-content notices (EU DSA) in the notices queue. Same origin, cookie session, no
 * inline script. Kept apart from dashboard.js, which owns the one-key queue actions. */
(function () {
  'use strict';

  var statusEl = document.getElementById('status');

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
        throw new Error(p.detail || p.title || 'The server answered ' + res.status + '. Try again.');
      });
    }, function () {
      throw new Error('Could not reach the server. Check the connection and try again.');
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
      say(on ? 'Featured: it leads its story now.' : 'No longer featured.');
    }, function (err) { say(err.message); });
  }

  function editForm(item, button) {
    if (item.querySelector('.curate-edit')) return item.querySelector('.curate-edit textarea').focus();
    var body = el('textarea', { rows: '5', required: 'required' });
    body.value = (item.querySelector('.body') || {}).textContent || '';
    var note = el('input', { maxlength: '1000', required: 'required' });
    var error = el('p', { class: 'error', role: 'alert' });
    var form = el('form', { class: 'curate-edit card', 'aria-label': 'Edit comment ' + item.dataset.id }, [
      field('Text', body),
      field('Note shown to readers (why you edit)', note),
      error,
      el('button', { type: 'submit', class: 'btn btn-approve', text: 'Save the edit' })
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      error.textContent = '';
      api('PATCH', '/moderation/comments/' + item.dataset.id, { body: body.value, note: note.value }).then(function (r) {
        var shown = item.querySelector('.body');
        if (shown) shown.textContent = r.body;
        form.remove();
        button.focus();
        say('Saved. Readers see: Edited by a moderator: ' + r.moderator_note);
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
    var form = el('form', { class: 'notice-decision', 'aria-label': 'Decide notice ' + notice.id }, [
      el('fieldset', {}, [el('legend', { text: 'Decision' }),
        choice('remove', 'Remove the comment', true), ' ', choice('keep', 'Keep it', false)]),
      field('Statement of reasons (mailed to the author and the reporter)', statement),
      error,
      el('button', { type: 'submit', class: 'btn btn-reject', text: 'Decide and send' })
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      error.textContent = '';
      var decision = form.querySelector('input:checked').value;
      api('POST', '/moderation/notices/' + notice.id + '/decision', { decision: decision, statement: statement.value })
        .then(function () {
          form.replaceWith(el('p', { role: 'status', text: 'Decided (' + decision + '); the statement was mailed.' }));
          say('Notice ' + notice.id + ' decided: ' + decision + '.');
        }, function (err) { error.textContent = err.message; });
    });
    return form;
  }

  function showNotices(list) {
    api('GET', '/moderation/notices').then(function (data) {
      data.notices.forEach(function (n) {
        var item = list.querySelector('.item[data-id="' + n.comment_id + '"]');
        if (!item) return;
        var box = item.querySelector('.notices') || el('section', { class: 'notices card', 'aria-label': 'Illegal-content notices' });
        box.append(el('article', { class: 'notice' }, [
          el('h3', { text: 'Notice ' + n.id + ': ' + n.category }),
          el('p', { dir: 'auto', text: n.explanation }),
          el('p', { class: 'muted', text: 'From ' + n.reporter_name + ' <' + n.reporter_email + '>, in good faith.' }),
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
