/* Townhall moderation dashboard: one-key actions and forms over the JSON moderation API.
 * Same origin, cookie session; no inline script (the page's CSP forbids it). */
(function () {
  'use strict';

  var statusEl = document.getElementById('status');
  var FLASH = 'townhall-dashboard-flash';
  // /admin, or /dashboard for older links: the pages link within the address they came from.
  var ROOT = document.body.dataset.root || '/admin';
  // Translated strings, rendered by the server into a JSON data block (#9); English otherwise.
  var CATALOGUE = (function () {
    var el = document.getElementById('dashboard-i18n');
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  })();
  // t('Ban %(name)s', {name: n}); tn() for counts: the catalogue holds one text per CLDR
  // plural category, and Intl.PluralRules says which category the number is in.
  var PLURALS = new Intl.PluralRules(document.documentElement.lang || 'en');
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return values && name in values ? String(values[name]) : all;
    });
  }
  function t(text, values) {
    var found = CATALOGUE[text];
    return fill(typeof found === 'string' && found ? found : text, values);
  }
  function tn(singular, plural, count, values) {
    var forms = CATALOGUE[singular];
    var text = forms && typeof forms === 'object'
      ? forms[PLURALS.select(count)] || forms.other
      : (count === 1 ? singular : plural);
    var all = { num: count };
    Object.keys(values || {}).forEach(function (k) { all[k] = values[k]; });
    return fill(text || plural, all);
  }
  function code(kind, value) { return CATALOGUE[kind + ':' + value] || value; }

  function say(text) {
    if (!statusEl) return;
    statusEl.textContent = '';
    setTimeout(function () { statusEl.textContent = text; }, 30);
  }

  function api(method, path, body) {
    var options = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    return fetch('/api/v1' + path, options).then(function (res) {
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

  // A message that survives the reload after a form is saved.
  function reloadWith(text) {
    try { sessionStorage.setItem(FLASH, text); } catch (e) { /* no storage: no message */ }
    location.reload();
  }

  function showFlash() {
    var text = null;
    try {
      text = sessionStorage.getItem(FLASH);
      sessionStorage.removeItem(FLASH);
    } catch (e) { /* no storage */ }
    if (text) say(text);
  }

  var countsLive = document.getElementById('counts-live');

  // Sets the queue counts; says which changed in the polite live region, and nothing when
  // none did (a screen reader hears new work arriving, not a tick every 15 seconds).
  function updateCounts() {
    return api('GET', '/moderation/overview').then(function (data) {
      var changed = [];
      Object.keys(data.counts).forEach(function (key) {
        var el = document.querySelector('[data-count="' + key + '"]');
        if (!el || el.textContent === String(data.counts[key])) return;
        el.textContent = String(data.counts[key]);
        var name = el.parentNode.firstChild.textContent.trim();
        changed.push(name + ': ' + data.counts[key]);
        if (!REDUCED_MOTION) {
          el.classList.add('is-new');
          setTimeout(function () { el.classList.remove('is-new'); }, 1200);
        }
      });
      if (changed.length && countsLive) countsLive.textContent = t('Queue counts now %(counts)s.', { counts: changed.join(', ') });
    }, function () { /* counts refresh on the next poll or page load */ });
  }

  var REDUCED_MOTION = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  var POLL_MS = Number(document.body.dataset.pollMs) || 15000;
  if (document.querySelector('[data-count]')) {
    setInterval(function () {
      if (!document.hidden) updateCounts();
    }, POLL_MS);
  }

  // ---- queue items: j/k to move, a/r to decide, b to ban ----------------------------------

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll('.items > li > .item'));
  }

  var current = null;

  function setCurrent(item) {
    if (current) current.classList.remove('is-current');
    current = item;
    if (item) {
      item.classList.add('is-current');
      item.focus();
    }
  }

  function move(step) {
    var list = items();
    if (!list.length) return;
    var i = list.indexOf(current);
    var next = i < 0 ? 0 : Math.min(list.length - 1, Math.max(0, i + step));
    setCurrent(list[next]);
  }

  function itemName(item) {
    if (item.dataset.kind === 'cluster') {
      var size = Number(item.dataset.size);
      return tn('the group of %(num)s comment', 'the group of %(num)s comments', size);
    }
    return t('the comment by %(name)s', { name: item.dataset.authorName });
  }

  // Takes a decided item off the list and puts focus on the one that took its place.
  function removeItem(item) {
    var list = items();
    var i = list.indexOf(item);
    item.closest('li').remove();
    list = items();
    if (list.length) {
      setCurrent(list[Math.min(i, list.length - 1)]);
    } else {
      current = null;
      var empty = document.querySelector('[data-empty-template]');
      if (empty) empty.hidden = false;
      var title = document.getElementById('queue-title');
      if (title) title.focus();
    }
  }

  function decide(item, action) {
    if (item.dataset.busy) return;
    var button = item.querySelector('.actions [data-action="' + action + '"]');
    if (!button) {
      say(action === 'approve' ? t('This item is already approved.') : t('This item is already rejected.'));
      return;
    }
    item.dataset.busy = '1';
    var id = Number(item.dataset.id);
    var call = item.dataset.kind === 'cluster'
      ? api('POST', '/moderation/clusters/' + id + '/decision', { action: action })
      : api('POST', '/moderation/decisions', { comment_ids: [id], action: action });
    var name = itemName(item);
    call.then(function (data) {
      var extra = item.dataset.kind === 'cluster'
        ? tn(' (%(num)s comment)', ' (%(num)s comments)', data.decided) : '';
      removeItem(item);
      say(t(action === 'approve' ? 'Approved %(item)s.' : 'Rejected %(item)s.', { item: name + extra }));
      updateCounts();
    }, function (err) {
      delete item.dataset.busy;
      say(err.message);
    });
  }

  function confirmBan(item) {
    if (item.dataset.kind !== 'comment' || !item.dataset.authorId) {
      say(t('Ban works on a single comment with a known author.'));
      return;
    }
    var open = item.querySelector('.confirm');
    if (open) {
      open.querySelector('button').focus();
      return;
    }
    var name = item.dataset.authorName;
    var box = document.createElement('div');
    box.className = 'confirm';
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', t('Ban %(name)s', { name: name }));
    var question = document.createElement('p');
    question.textContent = t('Ban %(name)s? They can no longer comment, and all their comments are rejected.', { name: name });
    var yes = document.createElement('button');
    yes.type = 'button';
    yes.className = 'btn btn-reject';
    yes.textContent = t('Ban %(name)s', { name: name });
    var no = document.createElement('button');
    no.type = 'button';
    no.className = 'btn';
    no.textContent = t('Cancel');
    box.append(question, yes, no);
    item.querySelector('.actions').after(box);
    yes.focus();
    no.addEventListener('click', function () {
      box.remove();
      item.focus();
    });
    yes.addEventListener('click', function () {
      yes.disabled = true;
      var body = { state: 'banned', reason: t('Banned from the moderation queue'), reject_comments: true };
      api('PUT', '/moderation/users/' + item.dataset.authorId + '/standing', body).then(function (data) {
        // Their other comments in this queue went with them.
        items().forEach(function (other) {
          if (other !== item && other.dataset.authorId === item.dataset.authorId) other.closest('li').remove();
        });
        removeItem(item);
        say(tn('%(name)s is banned; %(num)s comment rejected.', '%(name)s is banned; %(num)s comments rejected.',
          data.rejected, { name: name }));
        updateCounts();
      }, function (err) {
        yes.disabled = false;
        say(err.message);
      });
    });
  }

  // ---- multi-selection: x or the checkbox selects; "approve/reject selected" decide them ------

  function selected() {
    return items().filter(function (item) {
      var box = item.querySelector('[data-select]');
      return box && box.checked;
    });
  }

  function updateSelection() {
    var chosen = selected();
    var label = document.querySelector('[data-selected-count]');
    if (label) label.textContent = chosen.length ? tn('%(num)s selected.', '%(num)s selected.', chosen.length) : t('None selected.');
    document.querySelectorAll('[data-bulk="approve"], [data-bulk="reject"]').forEach(function (b) {
      b.disabled = !chosen.length;
    });
  }

  function toggleSelection(item) {
    var box = item.querySelector('[data-select]');
    if (!box) return;
    box.checked = !box.checked;
    updateSelection();
    say(t(box.checked ? 'Selected %(item)s; %(count)s selected.' : 'Unselected %(item)s; %(count)s selected.',
      { item: itemName(item), count: selected().length }));
  }

  function decideSelected(action) {
    var chosen = selected();
    if (!chosen.length) {
      say(t('Select comments first: press x on each, or use their checkboxes.'));
      return;
    }
    var ids = chosen.map(function (item) { return Number(item.dataset.id); });
    document.querySelectorAll('[data-bulk]').forEach(function (b) { b.disabled = true; });
    api('POST', '/moderation/decisions', { comment_ids: ids, action: action }).then(function (data) {
      chosen.forEach(function (item) { removeItem(item); });
      updateSelection();
      document.querySelector('[data-bulk="all"]').disabled = false;
      say(action === 'approve'
        ? tn('Approved %(num)s comment.', 'Approved %(num)s comments.', data.decided)
        : tn('Rejected %(num)s comment.', 'Rejected %(num)s comments.', data.decided));
      updateCounts();
    }, function (err) {
      document.querySelector('[data-bulk="all"]').disabled = false;
      updateSelection();
      say(err.message);
    });
  }

  document.addEventListener('change', function (ev) {
    if (ev.target.matches && ev.target.matches('[data-select]')) updateSelection();
  });

  function act(item, action) {
    if (action === 'ban') confirmBan(item);
    else decide(item, action);
  }

  document.addEventListener('keydown', function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
    var target = ev.target;
    if (target.closest && target.closest('input, textarea, select, [contenteditable], .confirm')) return;
    if (!document.querySelector('.items')) return;
    var key = ev.key;
    if (key === 'j' || key === 'k') {
      ev.preventDefault();
      move(key === 'j' ? 1 : -1);
      return;
    }
    if (key !== 'a' && key !== 'r' && key !== 'b' && key !== 'x') return;
    var item = target.closest && target.closest('.items > li > .item');
    item = item || current;
    if (!item) {
      say(t('Press j to choose an item first.'));
      return;
    }
    ev.preventDefault();
    if (item !== current) setCurrent(item);
    if (key === 'x') toggleSelection(item);
    else act(item, { a: 'approve', r: 'reject', b: 'ban' }[key]);
  });

  document.addEventListener('focusin', function (ev) {
    var item = ev.target.closest && ev.target.closest('.items > li > .item');
    if (item && item !== current) {
      if (current) current.classList.remove('is-current');
      current = item;
      item.classList.add('is-current');
    }
  });

  document.addEventListener('click', function (ev) {
    var bulk = ev.target.closest && ev.target.closest('[data-bulk]');
    if (bulk) {
      if (bulk.dataset.bulk === 'all') {
        var all = items().filter(function (item) { return item.querySelector('[data-select]'); });
        var on = !all.every(function (item) { return item.querySelector('[data-select]').checked; });
        all.forEach(function (item) { item.querySelector('[data-select]').checked = on; });
        updateSelection();
        say(on ? tn('Selected all %(num)s.', 'Selected all %(num)s.', all.length) : t('Selection cleared.'));
      } else {
        decideSelected(bulk.dataset.bulk);
      }
      return;
    }
    var button = ev.target.closest && ev.target.closest('[data-action]');
    if (!button) return;
    var action = button.dataset.action;
    if (action === 'signout') {
      api('POST', '/auth/signout').catch(function () { /* signed out either way */ }).then(function () {
        location.href = ROOT + '/signin';
      });
      return;
    }
    if (action === 'lift') {
      button.disabled = true;
      api('PUT', '/moderation/users/' + button.dataset.userId + '/standing', { state: null }).then(function () {
        reloadWith(t('Standing lifted.'));
      }, function (err) {
        button.disabled = false;
        say(err.message);
      });
      return;
    }
    var item = button.closest('.item');
    if (item && (action === 'approve' || action === 'reject' || action === 'ban')) {
      setCurrent(item);
      act(item, action);
    }
  });

  // ---- forms --------------------------------------------------------------------------------

  function formError(form, err) {
    var box = form.querySelector('.error');
    box.textContent = err.message;
    var submit = form.querySelector('[type="submit"]');
    if (submit) submit.disabled = false;
  }

  var FORMS = {
    signin: function (form) {
      var body = { email: form.elements.email.value, password: form.elements.password.value };
      var code = form.elements.totp.value.trim();
      if (code) body.totp = code;
      return api('POST', '/auth/signin', body).then(function () {
        location.href = form.dataset.next || ROOT;
      });
    },
    standing: function (form) {
      var id = form.elements.user.value.trim();
      if (!/^\d+$/.test(id)) return Promise.reject(new Error(t('Enter the user number (shown beside each name).')));
      var state = form.elements.state.value || null;
      var days = form.elements.days.value ? Number(form.elements.days.value) : null;
      var body = {
        state: state, days: days, reason: form.elements.reason.value.trim() || null,
        reject_comments: form.elements.reject.checked
      };
      return api('PUT', '/moderation/users/' + id + '/standing', body).then(function (data) {
        var now = data.state ? code('state', data.state) : t('in good standing');
        reloadWith(data.rejected
          ? tn('User %(id)s is now %(state)s; %(num)s comment rejected.',
            'User %(id)s is now %(state)s; %(num)s comments rejected.', data.rejected, { id: id, state: now })
          : t('User %(id)s is now %(state)s.', { id: id, state: now }));
      });
    },
    note: function (form) {
      var text = form.elements.text.value.trim();
      if (!text) return Promise.reject(new Error(t('Write the note before saving it.')));
      return api('POST', '/moderation/users/' + form.dataset.userId + '/notes', { text: text }).then(function () {
        reloadWith(t('Note added.'));
      });
    },
    'site-settings': function (form) {
      var body = {};
      Array.prototype.forEach.call(form.querySelectorAll('[data-kind]'), function (field) {
        var raw = field.value.trim();
        var kind = field.dataset.kind;
        if (raw === '') body[field.name] = null;
        else if (kind === 'bool') body[field.name] = raw === 'true';
        else if (kind === 'int' || kind === 'float') body[field.name] = Number(raw);
        else body[field.name] = raw;
      });
      return api('PUT', '/moderation/sites/' + encodeURIComponent(form.dataset.site) + '/settings', body).then(function () {
        reloadWith(t('Settings of %(site)s saved.', { site: form.dataset.site }));
      });
    },
    // A site's OpenID Connect sign-in providers (#5).
    'oidc-add': function (form) {
      var body = {};
      ['name', 'issuer', 'client_id', 'client_secret'].forEach(function (name) {
        body[name] = form.elements[name].value.trim();
      });
      return api('POST', '/moderation/sites/' + encodeURIComponent(form.dataset.site) + '/oidc-providers', body).then(function (data) {
        reloadWith(data.name + ' added. Register ' + data.callback_url + ' as its redirect URI.');
      });
    },
    'oidc-remove': function (form) {
      return api('DELETE', '/moderation/sites/' + encodeURIComponent(form.dataset.site) + '/oidc-providers/' + form.dataset.id).then(function () {
        reloadWith(form.dataset.name + ' removed.');
      });
    },
    'site-role': function (form) {
      var email = form.elements.email.value.trim();
      if (!email) return Promise.reject(new Error(t('Enter the email of the account.')));
      var body = { email: email, role: form.elements.role.value || null };
      return api('PUT', '/moderation/sites/' + encodeURIComponent(form.dataset.site) + '/roles', body).then(function (data) {
        reloadWith(t(data.role ? '%(email)s now moderates %(site)s.' : '%(email)s no longer moderates %(site)s.',
          { email: data.email, site: data.site }));
      });
    },
    mode: function (form) {
      var body = {
        thread: form.dataset.thread, site: form.dataset.site, mode: form.elements.mode.value,
        message: form.elements.message.value.trim() || null
      };
      return api('PUT', '/moderation/threads/mode', body).then(function (data) {
        reloadWith(t('The story %(story)s is now %(mode)s.', { story: data.thread, mode: code('mode', data.mode) }));
      });
    }
  };

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    var handler = FORMS[form.dataset.form];
    if (!handler) return;
    ev.preventDefault();
    form.querySelector('.error').textContent = '';
    var submit = form.querySelector('[type="submit"]');
    if (submit) submit.disabled = true;
    handler(form).catch(function (err) { formError(form, err); });
  });

  showFlash();
})();
