/*! Townhall comment box. No framework, no build step, no third-party requests.
 * Embed: <div data-townhall-thread="KEY"></div> <script src=".../widget/townhall.js" defer></script>
 * Text from the API (names, titles, errors) is inserted with textContent; only the
 * server-sanitised comment `html` goes in as HTML. */
(function () {
  'use strict';

  // Every user-visible string, in English. Other languages come from i18n/LANG.json beside
  // this file (same keys) and are merged in before the boxes start. {n} and {name} are filled
  // in. A plural message is an object keyed by CLDR plural category (one, few, many, other…),
  // chosen with Intl.PluralRules: never test n == 1 (issue #9).
  var MESSAGES = {
    locale: 'en', // for dates and numbers, so they match the language of these strings
    dir: 'ltr',
    region: 'Comments',
    count_zero: 'No comments yet',
    count: { one: '{n} comment', other: '{n} comments' },
    loadedMore: { one: '{n} more comment loaded', other: '{n} more comments loaded' },
    posted: 'Your comment is posted.',
    postedHeld: 'Your comment is posted and awaits moderation.',
    empty: 'Be the first to comment',
    signedOutPrompt: 'Sign in or sign up to post comments',
    signIn: 'Sign in',
    signUp: 'Sign up',
    createAccount: 'Create account',
    email: 'Email',
    password: 'Password',
    name: 'Name',
    signedInAs: 'Signed in as {name}',
    signOut: 'Sign out',
    signInWith: 'Sign in with {name}', // a site's OpenID Connect providers (#5)
    sortLabel: 'Sort by',
    sortNewest: 'Newest',
    sortOldest: 'Oldest',
    sortTop: 'Top',
    yourComment: 'Your comment',
    postComment: 'Post comment',
    replyTo: 'Reply to {name}',
    postReply: 'Post reply',
    reply: 'Reply',
    edit: 'Edit',
    editLabel: 'Edit your comment',
    save: 'Save',
    cancel: 'Cancel',
    delete: 'Delete',
    deleteConfirm: 'Delete this comment?',
    deleteYes: 'Yes, delete',
    keep: 'Keep it',
    like: 'Like',
    edited: '(edited)',
    inReplyTo: 'in reply to {name}',
    deleted: 'This comment was deleted.',
    pending: 'Awaiting moderation',
    loadMore: 'Load more comments',
    newComments: { one: '{n} new comment', other: '{n} new comments' },
    showLatest: 'Show the latest comments',
    moreReplies: 'Show more replies',
    closed: 'Comments are closed.',
    justNow: 'just now',
    loading: 'Loading comments…',
    posting: 'Posting…',
    anonymous: 'Unknown',
    networkError: 'Could not reach the comment server. Check your connection and try again.',
    genericError: 'Something went wrong. Please try again.',
    signInFirst: 'Sign in or sign up first.',
    report: 'Report',
    reportTitle: 'Report this comment',
    reasonAbuse: 'Abuse',
    reasonSpam: 'Spam',
    reasonOffTopic: 'Off-topic',
    reasonMisinformation: 'Misinformation',
    reasonOther: 'Other',
    reportDetails: 'Details (needed for Other)',
    sendReport: 'Send report',
    reportThanks: 'Thanks, a moderator will look at it.',
    featured: 'Featured',
    moderatorNote: 'Edited by a moderator: {note}',
    reportIllegal: 'Report illegal content',
    // Reply notifications and feeds (#5).
    notifications: 'Notifications ({n})',
    notificationsTitle: 'Replies to you',
    noNotifications: 'No replies yet.',
    repliedOn: '{name} replied on “{title}”',
    unread: 'New',
    markAllRead: 'Mark all read',
    olderNotifications: 'Show older',
    replyEmail: 'Email me when someone replies',
    replyEmailConfirm: 'Confirm your email address to get reply mail.',
    myComments: 'My comments and replies',
    feed: 'Comments feed (Atom)',
    // The nudge before the hold (#3): the server names what it objects to by code.
    nudgeTitle: 'Before it is posted, please look at your comment again:',
    nudgeHint: 'Change it and send it again. If you send it as it is, a moderator will review it before it appears.',
    sendAgain: 'Send again',
    nudgeToxic: 'It may read as abusive.',
    nudgeWords: 'It contains a word this site reviews or does not publish.',
    nudgeLinks: 'It has more links than this site allows without review.',
    nudgeMentions: 'It mentions more people than this site allows without review.',
    nudgeShouting: 'It is written mostly in capital letters.',
    // Privacy (#5): the reader's own data, from the signed-in account menu.
    myAccount: 'My account',
    downloadData: 'Download my data',
    deleteAccount: 'Delete my account',
    deleteAccountWarning: 'This deletes your account and signs you out everywhere. It cannot be undone.',
    passwordIfAny: 'Password (leave empty if you signed in through this site or a mailed link)',
    deleteAccountYes: 'Yes, delete my account',
    accountDeleted: 'Your account is deleted.',
    deletedUser: 'deleted user',
    // Mailed links (#5): forgotten passwords, passwordless sign-in, address confirmation.
    forgotPassword: 'Forgot password?',
    emailSignInLink: 'Email me a sign-in link',
    checkMail: 'Check your mail: if {email} has an account, a link is on its way.',
    checkMailVerify: 'Check your mail to confirm {email}, then you can post.',
    // Staff with two-factor authentication (#5), after a password or a provider's sign-in.
    authCode: 'Authenticator code',
    authCodeNeeded: 'This account uses two-factor authentication: enter the 6-digit code from your authenticator app, or a recovery code.'
  };

  // The languages with a catalogue in i18n/; English is the one above.
  var LANGUAGES = ['en', 'uk', 'ru', 'pl', 'de', 'fr', 'es', 'ar'];
  var plurals = null;

  function t(key, vars) {
    var msg = MESSAGES[key];
    if (typeof msg === 'object') {
      // Plural: the category for n in this language, falling back to "other".
      plurals = plurals || (window.Intl && Intl.PluralRules ? new Intl.PluralRules(MESSAGES.locale) : null);
      var n = vars ? Number(vars.count != null ? vars.count : vars.n) : 0;
      var cat = plurals ? plurals.select(n) : (n === 1 ? 'one' : 'other');
      msg = msg[cat] || msg.other;
    }
    return msg.replace(/\{(\w+)\}/g, function (_, k) {
      return vars && k in vars ? String(vars[k]) : '';
    });
  }

  var lang = MESSAGES.locale; // replaced by the page's language once its catalogue is loaded
  var script = document.currentScript;
  if (!script || !script.src) return;
  var scriptUrl = new URL(script.src, location.href);
  var widgetDir = scriptUrl.href.replace(/[^/]*([?#].*)?$/, '');
  // The API lives at the script's origin and path prefix: strip the trailing "widget/".
  var apiBase = widgetDir.replace(/widget\/$/, '').replace(/\/$/, '');
  var crossOrigin = scriptUrl.origin !== location.origin;
  var tokenKey = 'townhall-token:' + apiBase;

  // OpenID Connect (#5): a provider's sign-in comes back to the article with a one-time
  // hand-off token in the fragment (docs/oidc.md). Take it off the address at once, so it
  // stays out of history and shared links; the first box trades it for a session.
  var handoffToken = (function () {
    var m = /^#townhall-oidc=([\w\-%]+)$/.exec(location.hash);
    if (!m) return null;
    try {
      history.replaceState(history.state, '', location.pathname + location.search);
    } catch (e) { /* the token stays visible; it works once and expires in minutes */ }
    return decodeURIComponent(m[1]);
  })();

  function injectCss() {
    var href = widgetDir + 'townhall.css';
    if (document.querySelector('link[data-townhall-css]')) return;
    var link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.setAttribute('data-townhall-css', '');
    document.head.appendChild(link);
  }

  // ---- storage and HTTP ------------------------------------------------------------------

  function getToken() {
    if (!crossOrigin) return null;
    try {
      return localStorage.getItem(tokenKey);
    } catch (e) {
      return null;
    }
  }

  function setToken(token) {
    if (!crossOrigin) return;
    try {
      if (token) localStorage.setItem(tokenKey, token);
      else localStorage.removeItem(tokenKey);
    } catch (e) {
      /* storage disabled: the cookie is all we have */
    }
  }

  function ApiError(status, problem) {
    this.status = status;
    this.problem = problem || {};
    this.message = problemText(status, this.problem);
  }

  function problemText(status, p) {
    if (p.detail) return p.detail;
    if (p.errors && p.errors.length) {
      return p.errors.map(function (e) { return e.message; }).join(' ');
    }
    if (p.title) return p.title;
    return status ? MESSAGES.genericError : MESSAGES.networkError;
  }

  function api(method, path, body) {
    var headers = { Accept: 'application/json' };
    var opts = { method: method, credentials: 'include', headers: headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    var token = getToken();
    if (token) headers.Authorization = 'Bearer ' + token;
    return fetch(apiBase + '/api/v1' + path, opts).then(
      function (res) {
        if (res.status === 204) return null;
        return res.json().then(
          function (data) { return data; },
          function () { return null; }
        ).then(function (data) {
          if (!res.ok) throw new ApiError(res.status, data);
          return data;
        });
      },
      function () { throw new ApiError(0, null); }
    );
  }

  function query(params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      if (params[k] != null) q.append(k, params[k]);
    });
    return '?' + q.toString();
  }

  // ---- DOM helpers ---------------------------------------------------------------------

  // h('button', {class: 'x', onclick: fn}, 'text', child) — strings become text nodes.
  function h(tag, attrs) {
    var el = document.createElement(tag);
    for (var k in attrs || {}) {
      var v = attrs[k];
      if (v == null || v === false) continue;
      if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null || c === false) continue;
      el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return el;
  }

  function button(label, onclick, cls, extra) {
    var attrs = { type: 'button', class: 'townhall__btn' + (cls ? ' ' + cls : ''), onclick: onclick };
    for (var k in extra || {}) attrs[k] = extra[k];
    return h('button', attrs, label);
  }

  var uid = 0;
  function nextId(prefix) {
    uid += 1;
    return 'townhall-' + prefix + '-' + uid;
  }

  function field(label, attrs) {
    var id = nextId('f');
    attrs.id = id;
    attrs.class = 'townhall__input';
    var input = h(attrs.rows ? 'textarea' : 'input', attrs);
    return { input: input, el: h('div', { class: 'townhall__field' }, h('label', { for: id }, label), input) };
  }

  function alertBox() {
    return h('p', { class: 'townhall__error', role: 'alert' });
  }

  function showError(box, err) {
    box.textContent = err instanceof ApiError ? err.message : MESSAGES.genericError;
  }

  var NUDGE_CODES = {
    toxic: 'nudgeToxic', 'suspect-word': 'nudgeWords', 'banned-word': 'nudgeWords',
    links: 'nudgeLinks', mentions: 'nudgeMentions', shouting: 'nudgeShouting'
  };

  function needsCode(err) {
    return err instanceof ApiError && /\/second-factor-required$/.test(String(err.problem.type || ''));
  }

  // The authenticator code field, shown once the server asks for it; empty means not asked.
  function codeField() {
    var code = field(MESSAGES.authCode, { type: 'text', name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code' });
    code.el.hidden = true;
    code.value = function () { return code.el.hidden ? null : code.input.value.trim(); };
    code.ask = function (error) {
      code.el.hidden = false;
      error.textContent = MESSAGES.authCodeNeeded;
      code.input.focus();
    };
    return code;
  }

  function isNudge(err) {
    return err instanceof ApiError && err.status === 422 &&
      /\/comment-nudge$/.test(String(err.problem.type || ''));
  }

  // The reasons above the text field, and the send button saying "Send again": the next
  // send carries nudged: true, so the reader is asked once and never twice (#3).
  function nudgeBox() {
    var list = h('ul', { class: 'townhall__nudge-reasons' });
    var box = h('div', { class: 'townhall__nudge', role: 'alert', hidden: true },
      h('p', { class: 'townhall__nudge-title' }, MESSAGES.nudgeTitle), list,
      h('p', null, MESSAGES.nudgeHint));
    return {
      el: box,
      shown: false,
      show: function (problem) {
        list.textContent = '';
        var seen = {};
        (problem.reasons || []).forEach(function (r) {
          var text = MESSAGES[NUDGE_CODES[r.code]] || r.reason;
          if (text && !seen[text]) list.append(h('li', null, text));
          seen[text] = true;
        });
        box.hidden = false;
        this.shown = true;
      },
      clear: function () {
        box.hidden = true;
        list.textContent = '';
        this.shown = false;
      }
    };
  }

  var rtf = null; // made on first use, in the language the catalogue chose
  var UNITS = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]];

  function relativeTime(iso) {
    if (!rtf && window.Intl && Intl.RelativeTimeFormat) rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
    var secs = (Date.parse(iso) - Date.now()) / 1000;
    if (Math.abs(secs) < 45 || !rtf) return rtf ? MESSAGES.justNow : new Date(iso).toLocaleString(lang);
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(secs) >= UNITS[i][1] * 0.95 || UNITS[i][0] === 'minute') {
        return rtf.format(Math.round(secs / UNITS[i][1]), UNITS[i][0]);
      }
    }
  }

  function timeEl(iso) {
    var el = h('time', { datetime: iso, class: 'townhall__time', title: new Date(iso).toLocaleString(lang) });
    el.textContent = relativeTime(iso);
    return el;
  }

  function countText(n) {
    if (n === 0) return MESSAGES.count_zero;
    return t('count', { count: n, n: n.toLocaleString(lang) });
  }

  // ---- one comment box ---------------------------------------------------------------------

  function Box(root) {
    this.root = root;
    this.site = root.getAttribute('data-townhall-site') || 'default';
    this.thread = root.getAttribute('data-townhall-thread');
    this.title = root.getAttribute('data-townhall-title') || document.title || null;
    var canonical = document.querySelector('link[rel="canonical"]');
    this.url = root.getAttribute('data-townhall-url') ||
      (canonical && canonical.href) || location.href.split('#')[0];
    this.user = null;
    this.sort = 'newest';
    this.count = 0;
    this.open = true;
    this.nextCursor = null;
    this.nodes = {}; // comment id -> {li, article, replies (ol), comment}
    this.build();
  }

  Box.prototype.build = function () {
    var self = this;
    var root = this.root;
    root.classList.add('townhall');
    root.setAttribute('role', 'region');
    root.setAttribute('aria-label', MESSAGES.region);
    root.setAttribute('lang', lang);
    root.setAttribute('dir', MESSAGES.dir);
    root.textContent = '';

    this.countEl = h('h2', { class: 'townhall__count', tabindex: '-1' });
    var sortId = nextId('sort');
    this.sortSelect = h('select', { id: sortId, class: 'townhall__select', onchange: function () {
      self.sort = self.sortSelect.value;
      self.load();
    } },
    h('option', { value: 'newest' }, MESSAGES.sortNewest),
    h('option', { value: 'oldest' }, MESSAGES.sortOldest),
    h('option', { value: 'top' }, MESSAGES.sortTop));
    var header = h('div', { class: 'townhall__header' }, this.countEl,
      h('div', { class: 'townhall__sort' }, h('label', { for: sortId }, MESSAGES.sortLabel), this.sortSelect));

    this.accountEl = h('div', { class: 'townhall__account' });
    this.composeEl = h('div', { class: 'townhall__compose-slot' });
    this.statusEl = h('p', { class: 'townhall__status' }, MESSAGES.loading);
    this.loadError = alertBox();
    this.list = h('ol', { class: 'townhall__list' });
    this.moreBtn = button(MESSAGES.loadMore, function () { self.loadMore(); }, 'townhall__more');
    this.moreBtn.hidden = true;
    // The thread's Atom feed (#5), for feed readers and for people.
    var feed = h('a', { class: 'townhall__feed', rel: 'alternate', type: 'application/atom+xml',
      href: apiBase + '/feeds/thread.atom' + query({ site: this.site, thread: this.thread }) }, MESSAGES.feed);

    // Polite announcements for screen readers: posted comments, pages loaded, live updates.
    this.liveEl = h('p', { class: 'townhall__sr', role: 'status', 'aria-live': 'polite' });
    root.append(header, this.accountEl, this.composeEl, this.loadError, this.statusEl, this.list, this.moreBtn,
      h('p', { class: 'townhall__footer' }, feed), this.liveEl);
    this.timer = setInterval(function () { self.refreshTimes(); }, 60000);
  };

  Box.prototype.start = function () {
    var self = this;
    // Publisher SSO (docs/sso.md): the host page's back end signed a token for its reader.
    var ssoToken = this.root.getAttribute('data-townhall-sso-token');
    var handoff = handoffToken;
    handoffToken = null;
    var signIn = ssoToken
      ? api('POST', '/auth/sso', { site: this.site, token: ssoToken }).then(
        function (data) { setToken(data.token); },
        function () { /* refused token: carry on signed out; the API's detail is in the log */ })
      : handoff
        ? api('POST', '/auth/oidc/handoff', { token: handoff }).then(
          function (data) { setToken(data.token); },
          function (err) {
            // Refused hand-offs stay unused: staff add their code and send it again.
            if (needsCode(err)) self.handoffCode = handoff;
            else self.signInError = err;
          })
        : Promise.resolve();
    signIn.then(function () { return api('GET', '/auth/me'); }).then(
      function (data) { self.user = data && data.user; },
      function (err) {
        if (err.status === 401) setToken(null);
        self.user = null;
      }
    ).then(function () {
      self.renderAccount();
      self.load().then(function () {
        self.startLive();
        self.focusFromHash();
        window.addEventListener('hashchange', function () { self.focusFromHash(); });
      });
    });
  };

  // Says `text` through the live region; clearing first makes a repeated text heard again.
  Box.prototype.announce = function (text) {
    var el = this.liveEl;
    el.textContent = '';
    setTimeout(function () { el.textContent = text; }, 50);
  };

  Box.prototype.refreshTimes = function () {
    this.root.querySelectorAll('time.townhall__time').forEach(function (el) {
      el.textContent = relativeTime(el.getAttribute('datetime'));
    });
  };

  Box.prototype.setCount = function (n) {
    this.count = Math.max(0, n);
    this.countEl.textContent = countText(this.count);
  };

  // ---- account: signed-out forms, signed-in bar ----------------------------------------------

  Box.prototype.renderAccount = function () {
    var self = this;
    var el = this.accountEl;
    el.textContent = '';
    this.composeEl.textContent = '';
    this.authForms = null;
    this.notesBtn = null; // made again below when signed in; signed out there is no list
    if (this.user) {
      var menu = this.accountMenu();
      el.append(h('p', { class: 'townhall__whoami' },
        h('span', null, t('signedInAs', { name: this.user.name })), ' ',
        menu.toggle, ' ',
        button(MESSAGES.signOut, function () { self.signOut(); }, 'townhall__link')), menu.panel);
      if (this.verifyNotice) el.append(h('p', { class: 'townhall__status', role: 'status' }, this.verifyNotice));
      this.renderNotifications(el);
      if (this.open) this.composeEl.append(this.composeForm(null));
      return;
    }
    var signInForm = this.authForm('signin');
    var signUpForm = this.authForm('signup');
    var toggles = {};
    function toggle(which) {
      var form = which === 'signin' ? signInForm : signUpForm;
      var other = which === 'signin' ? signUpForm : signInForm;
      var show = form.hidden;
      form.hidden = !show;
      other.hidden = true;
      toggles.signin.setAttribute('aria-expanded', String(!signInForm.hidden));
      toggles.signup.setAttribute('aria-expanded', String(!signUpForm.hidden));
      if (show) form.querySelector('input').focus();
      if (show && form.showProviders) form.showProviders();
    }
    toggles.signin = button(MESSAGES.signIn, function () { toggle('signin'); }, 'townhall__link',
      { 'aria-expanded': 'false', 'aria-controls': signInForm.id });
    toggles.signup = button(MESSAGES.signUp, function () { toggle('signup'); }, 'townhall__link',
      { 'aria-expanded': 'false', 'aria-controls': signUpForm.id });
    // Used when a signed-out reader tries to reply or react: show a form and focus it.
    this.authForms = {
      open: function () {
        if (signInForm.hidden && signUpForm.hidden) toggle('signin');
        else (signInForm.hidden ? signUpForm : signInForm).querySelector('input').focus();
      }
    };
    if (this.handoffCode) { // a provider's sign-in for staff with two-factor on (#5)
      el.append(this.handoffCodeForm());
      return;
    }
    var failed = null;
    if (this.signInError) { // a provider's sign-in that did not complete (#5)
      failed = alertBox();
      showError(failed, this.signInError);
      this.signInError = null;
    }
    el.append(
      h('p', { class: 'townhall__prompt' }, MESSAGES.signedOutPrompt),
      h('p', { class: 'townhall__toggles' }, toggles.signin, ' ', toggles.signup),
      failed, signInForm, signUpForm);
  };

  // ---- notifications (#5): replies to the reader's comments, the reply mail choice ----------

  Box.prototype.renderNotifications = function (el) {
    var self = this;
    var panelId = nextId('notes');
    this.notesBtn = button(t('notifications', { n: 0 }), function () { self.toggleNotes(); }, 'townhall__link townhall__bell',
      { 'aria-expanded': 'false', 'aria-controls': panelId });
    this.notesList = h('ul', { class: 'townhall__notes', 'aria-label': MESSAGES.notificationsTitle });
    this.notesOlder = button(MESSAGES.olderNotifications, function () { self.loadNotes(true); }, 'townhall__more');
    this.notesOlder.hidden = true;
    this.notesError = alertBox();
    this.mailBox = h('input', { type: 'checkbox', id: nextId('mail'), onchange: function () { self.setReplyMail(); } });
    this.mailHint = h('p', { class: 'townhall__hint' });
    this.notesPanel = h('div', { id: panelId, class: 'townhall__panel', hidden: true },
      h('h3', { class: 'townhall__panel-title' }, MESSAGES.notificationsTitle),
      this.notesError, this.notesList, this.notesOlder,
      h('p', { class: 'townhall__row' },
        button(MESSAGES.markAllRead, function () { self.markRead(null); }),
        h('a', { href: apiBase + '/me', target: '_blank', rel: 'noopener' }, MESSAGES.myComments)),
      h('p', { class: 'townhall__check' }, this.mailBox, ' ', h('label', { for: this.mailBox.id }, MESSAGES.replyEmail)),
      this.mailHint);
    el.append(h('p', { class: 'townhall__notify' }, this.notesBtn), this.notesPanel);
    this.loadNotes(false);
  };

  Box.prototype.setUnread = function (n) {
    if (this.notesBtn) this.notesBtn.textContent = t('notifications', { n: n.toLocaleString(lang) });
  };

  Box.prototype.loadNotes = function (older) {
    var self = this;
    var before = older ? this.notesNext : null;
    return api('GET', '/notifications' + query({ site: this.site, limit: 10, before: before })).then(function (data) {
      if (!older) self.notesList.textContent = '';
      data.notifications.forEach(function (n) { self.notesList.append(self.renderNote(n)); });
      if (!self.notesList.firstChild) self.notesList.append(h('li', null, MESSAGES.noNotifications));
      self.notesNext = data.next;
      self.notesOlder.hidden = !data.next;
      self.setUnread(data.unread);
    }, function (err) { showError(self.notesError, err); });
  };

  Box.prototype.renderNote = function (n) {
    var self = this;
    var label = t('repliedOn', { name: n.author.name || MESSAGES.anonymous, title: n.thread.title || n.thread.key });
    var head = n.link
      ? h('a', { href: n.link, onclick: function () { if (!n.read) self.markRead([n.id]); } }, label)
      : h('span', null, label);
    return h('li', { class: 'townhall__note' + (n.read ? '' : ' townhall__note--unread') },
      n.read ? null : h('span', { class: 'townhall__badge' }, MESSAGES.unread), n.read ? null : ' ',
      head, ' ', timeEl(n.created_at),
      n.excerpt ? h('q', { class: 'townhall__excerpt', dir: 'auto' }, n.excerpt) : null);
  };

  Box.prototype.toggleNotes = function () {
    var self = this;
    var show = this.notesPanel.hidden;
    this.notesPanel.hidden = !show;
    this.notesBtn.setAttribute('aria-expanded', String(show));
    if (!show) return;
    this.loadNotes(false);
    api('GET', '/me/notify').then(function (prefs) {
      self.mailBox.checked = prefs.reply_email;
      self.mailBox.disabled = !prefs.email_verified && !prefs.reply_email;
      self.mailHint.textContent = prefs.email_verified ? '' : MESSAGES.replyEmailConfirm;
    }, function (err) { showError(self.notesError, err); });
  };

  Box.prototype.markRead = function (ids) {
    var self = this;
    return api('POST', '/notifications/read' + query({ site: this.site }), ids ? { ids: ids } : { all: true })
      .then(function (data) {
        self.setUnread(data.unread);
        if (!ids) self.loadNotes(false);
      }, function (err) { showError(self.notesError, err); });
  };

  Box.prototype.setReplyMail = function () {
    var self = this;
    var on = this.mailBox.checked;
    // The mail is written in the box's language (#9).
    api('PUT', '/me/notify', { reply_email: on, language: lang }).then(function (prefs) {
      self.mailBox.checked = prefs.reply_email;
      self.notesError.textContent = '';
    }, function (err) {
      self.mailBox.checked = !on;
      showError(self.notesError, err);
    });
  };

  // A link to a comment (from a notification or a mail) names it in the address: show it.
  Box.prototype.focusFromHash = function () {
    var m = /^#townhall-comment-(\d+)$/.exec(location.hash);
    var node = m && this.nodes[m[1]];
    if (!node) return;
    node.article.scrollIntoView({ block: 'center' });
    node.article.focus({ preventScroll: true });
  };

  Box.prototype.authForm = function (kind) {
    var self = this;
    var signup = kind === 'signup';
    var email = field(MESSAGES.email, { type: 'email', name: 'email', autocomplete: 'email', required: true });
    var password = field(MESSAGES.password, {
      type: 'password', name: 'password', required: true,
      autocomplete: signup ? 'new-password' : 'current-password'
    });
    var name = signup ? field(MESSAGES.name, { type: 'text', name: 'name', autocomplete: 'name', required: true }) : null;
    var error = alertBox();
    var code = signup ? null : codeField();
    var submit = h('button', { type: 'submit', class: 'townhall__btn townhall__primary' },
      signup ? MESSAGES.createAccount : MESSAGES.signIn);
    var form = h('form', {
      class: 'townhall__auth', id: nextId(kind), hidden: true, novalidate: true,
      'aria-label': signup ? MESSAGES.signUp : MESSAGES.signIn,
      onsubmit: function (ev) {
        ev.preventDefault();
        error.textContent = '';
        var body = { email: email.input.value.trim(), password: password.input.value };
        if (signup) body.name = name.input.value.trim();
        if (code && code.value()) body.totp = code.value();
        submit.disabled = true;
        api('POST', '/auth/' + kind, body).then(function (data) {
          setToken(data.token);
          self.user = data.user;
          // Sign-up sent a confirmation mail (#5): say so, above the comment form.
          self.verifyNotice = signup && data.email_verification && data.email_verification !== 'off'
            ? t('checkMailVerify', { email: data.user.email }) : null;
          // The thread again (the reader's own held comments, their reactions), and only then
          // the signed-in bar: a reply form opened meanwhile would vanish with the old list.
          self.load().then(function () {
            self.renderAccount();
            var ta = self.composeEl.querySelector('textarea');
            if (ta) ta.focus();
          });
        }, function (err) {
          submit.disabled = false;
          if (code && needsCode(err) && code.el.hidden) code.ask(error);
          else showError(error, err);
        });
      }
    }, email.el, password.el, name && name.el, code && code.el, error, h('div', { class: 'townhall__row' }, submit));
    if (!signup) {
      this.addProviderButtons(form); // a site's OpenID Connect providers (#5)
      // Mailed links (#5): a forgotten password, or no password at all.
      var sent = h('p', { class: 'townhall__status', role: 'status' });
      var mailLink = function (path) {
        return function () {
          error.textContent = '';
          sent.textContent = '';
          var address = email.input.value.trim();
          if (!address) { email.input.focus(); return; }
          api('POST', path, { email: address }).then(function () {
            sent.textContent = t('checkMail', { email: address });
          }, function (err) { showError(error, err); });
        };
      };
      form.append(h('div', { class: 'townhall__row' },
        button(MESSAGES.forgotPassword, mailLink('/auth/password-reset'), 'townhall__link'), ' ',
        button(MESSAGES.emailSignInLink, mailLink('/auth/magic-link'), 'townhall__link')), sent);
    }
    return form;
  };

  // The second step of a provider's sign-in for staff with two-factor on: the hand-off
  // token the server kept unused, and the code from the authenticator app.
  Box.prototype.handoffCodeForm = function () {
    var self = this;
    var code = codeField();
    var error = alertBox();
    var submit = h('button', { type: 'submit', class: 'townhall__btn townhall__primary' }, MESSAGES.signIn);
    var form = h('form', {
      class: 'townhall__auth', novalidate: true, 'aria-label': MESSAGES.signIn,
      onsubmit: function (ev) {
        ev.preventDefault();
        submit.disabled = true;
        api('POST', '/auth/oidc/handoff', { token: self.handoffCode, totp: code.value() }).then(function (data) {
          self.handoffCode = null;
          setToken(data.token);
          self.user = data.user;
          self.load().then(function () { self.renderAccount(); });
        }, function (err) {
          submit.disabled = false;
          showError(error, err);
        });
      }
    }, code.el, error, h('div', { class: 'townhall__row' }, submit));
    setTimeout(function () { code.ask(error); }, 0);
    return form;
  };

  // "Sign in with <provider>" (#5): the whole page goes to the provider and comes back to
  // this article. A top-level visit, not a popup: no popup blocker, no lost window.opener
  // when the provider's pages isolate themselves, no third-party cookie needed.
  // The list (ids and names) is asked for when the reader first opens the form, not on every
  // page view: most readers never sign in.
  Box.prototype.addProviderButtons = function (form) {
    var self = this;
    var row = h('div', { class: 'townhall__row townhall__providers', hidden: true });
    form.append(row);
    form.showProviders = function () {
      form.showProviders = null;
      self.providerList().then(function (list) {
        list.forEach(function (p) {
          row.append(button(t('signInWith', { name: p.name }), function () {
            var back = location.href.split('#')[0];
            location.assign(apiBase + '/api/v1/auth/oidc/' + encodeURIComponent(p.id) + '/start' +
              query({ return_to: back }));
          }));
        });
        row.hidden = !list.length;
      });
    };
  };

  Box.prototype.providerList = function () {
    var self = this;
    if (!this.providers) {
      this.providers = api('GET', '/sites/' + encodeURIComponent(this.site) + '/config').then(
        function (data) { return (data && data.oidc_providers) || []; },
        function () { self.providers = null; return []; }); // asked again next time
    }
    return this.providers;
  };

  // ---- my account (#5): download my data, delete my account ---------------------------------

  Box.prototype.accountMenu = function () {
    var self = this;
    var panel = h('div', { class: 'townhall__account', id: nextId('account'), hidden: true });
    var toggle = button(MESSAGES.myAccount, function () {
      panel.hidden = !panel.hidden;
      toggle.setAttribute('aria-expanded', String(!panel.hidden));
      if (!panel.hidden) panel.querySelector('button').focus();
    }, 'townhall__link', { 'aria-expanded': 'false', 'aria-controls': panel.id });
    var error = alertBox();
    var download = button(MESSAGES.downloadData, function () { self.downloadData(error); });
    var del = button(MESSAGES.deleteAccount, function () {
      del.hidden = true;
      var form = self.deleteAccountForm(function () {
        form.remove();
        del.hidden = false;
        del.focus();
      });
      panel.append(form);
      form.querySelector('input').focus();
    }, 'townhall__delete');
    panel.append(h('div', { class: 'townhall__row' }, download, ' ', del), error);
    return { toggle: toggle, panel: panel };
  };

  Box.prototype.downloadData = function (error) {
    error.textContent = '';
    api('GET', '/me/export').then(function (data) {
      // Through api() rather than a plain link: a cross-origin box signs in with a bearer token.
      var blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
      var url = URL.createObjectURL(blob);
      var a = h('a', { href: url, download: 'townhall-data-' + data.profile.id + '.json', hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    }, function (err) { showError(error, err); });
  };

  Box.prototype.deleteAccountForm = function (onCancel) {
    var self = this;
    var password = field(MESSAGES.passwordIfAny, { type: 'password', name: 'password', autocomplete: 'current-password' });
    var error = alertBox();
    var yes = h('button', { type: 'submit', class: 'townhall__btn townhall__delete' }, MESSAGES.deleteAccountYes);
    return h('form', {
      class: 'townhall__form', novalidate: true, 'aria-label': MESSAGES.deleteAccount,
      onsubmit: function (ev) {
        ev.preventDefault();
        error.textContent = '';
        yes.disabled = true;
        var body = password.input.value ? { password: password.input.value } : {};
        api('DELETE', '/me', body).then(function () {
          setToken(null);
          self.user = null;
          self.renderAccount();
          self.accountEl.prepend(h('p', { class: 'townhall__status', role: 'status' }, MESSAGES.accountDeleted));
          self.load();
        }, function (err) {
          yes.disabled = false;
          showError(error, err);
        });
      }
    }, h('p', null, MESSAGES.deleteAccountWarning), password.el, error,
    h('div', { class: 'townhall__row' }, yes, ' ', button(MESSAGES.cancel, onCancel)));
  };

  Box.prototype.signOut = function () {
    var self = this;
    api('POST', '/auth/signout').catch(function () { /* signed out locally either way */ }).then(function () {
      setToken(null);
      self.user = null;
      self.renderAccount();
      self.load().then(function () {
        var first = self.accountEl.querySelector('button');
        if (first) first.focus();
      });
    });
  };

  // Returns true when signed in; otherwise opens the sign-in form.
  Box.prototype.requireUser = function () {
    if (this.user) return true;
    if (this.authForms) this.authForms.open();
    return false;
  };

  // ---- posting and replying --------------------------------------------------------------

  // parent: null for a new top-level comment, or the node of the comment being answered.
  Box.prototype.composeForm = function (parent, onCancel) {
    var self = this;
    var label = parent ? t('replyTo', { name: authorName(parent.comment) }) : MESSAGES.yourComment;
    var text = field(label, { name: 'body', rows: parent ? 3 : 4, required: true });
    var error = alertBox();
    var nudge = nudgeBox();
    var sendLabel = parent ? MESSAGES.postReply : MESSAGES.postComment;
    var submit = h('button', { type: 'submit', class: 'townhall__btn townhall__primary' }, sendLabel);
    var form = h('form', {
      class: 'townhall__form', novalidate: true,
      onsubmit: function (ev) {
        ev.preventDefault();
        error.textContent = '';
        var body = { site: self.site, thread: self.thread, body: text.input.value };
        if (self.title) body.title = self.title;
        if (self.url) body.url = self.url;
        if (parent) body.parent_id = parent.comment.id;
        if (nudge.shown) body.nudged = true;
        submit.disabled = true;
        api('POST', '/comments', body).then(function (comment) {
          submit.disabled = false;
          nudge.clear();
          submit.textContent = sendLabel;
          text.input.value = '';
          var node = self.insert(comment, !parent);
          if (comment.status === 'visible') self.setCount(self.count + 1);
          self.updateEmpty();
          self.announce(comment.status === 'pending' ? MESSAGES.postedHeld : MESSAGES.posted);
          if (parent && onCancel) onCancel(true);
          node.article.focus();
        }, function (err) {
          submit.disabled = false;
          if (isNudge(err)) {
            nudge.show(err.problem);
            submit.textContent = MESSAGES.sendAgain;
            text.input.focus();
            return;
          }
          showError(error, err);
          if (err.status === 401) self.signedOutByServer();
        });
      }
    }, nudge.el, text.el, error, h('div', { class: 'townhall__row' }, submit,
      onCancel && button(MESSAGES.cancel, function () { onCancel(false); })));
    return form;
  };

  Box.prototype.signedOutByServer = function () {
    setToken(null);
    this.user = null;
    this.renderAccount();
  };

  // ---- loading ---------------------------------------------------------------------------

  Box.prototype.commentsPath = function (cursor) {
    return '/comments' + query({ site: this.site, thread: this.thread, sort: this.sort, cursor: cursor });
  };

  Box.prototype.load = function () {
    var self = this;
    this.loadError.textContent = '';
    return api('GET', this.commentsPath(null)).then(function (data) {
      self.list.textContent = '';
      self.nodes = {};
      var wasOpen = self.open;
      self.open = data.thread.open !== false;
      if (wasOpen !== self.open) self.renderAccount();
      self.setCount(data.thread.comment_count || 0);
      self.addPage(data);
      if (self.events) self.liveLoaded();
    }, function (err) {
      self.statusEl.hidden = true;
      showError(self.loadError, err);
    });
  };

  Box.prototype.loadMore = function () {
    var self = this;
    this.moreBtn.disabled = true;
    api('GET', this.commentsPath(this.nextCursor)).then(function (data) {
      self.moreBtn.disabled = false;
      var firstNew = self.addPage(data);
      if (firstNew) firstNew.article.focus();
      self.announce(t('loadedMore', { count: data.comments.length, n: data.comments.length.toLocaleString(lang) }));
    }, function (err) {
      self.moreBtn.disabled = false;
      showError(self.loadError, err);
    });
  };

  // Renders a page of top-level comments; returns the first new node.
  Box.prototype.addPage = function (data) {
    var self = this;
    var first = null;
    data.comments.forEach(function (c) {
      var node = self.insert(c, false);
      first = first || node;
    });
    this.nextCursor = data.next_cursor || null;
    this.moreBtn.hidden = !this.nextCursor;
    this.updateEmpty();
    return first;
  };

  Box.prototype.updateEmpty = function () {
    var empty = !this.list.children.length;
    var msg = !this.open ? MESSAGES.closed : empty ? MESSAGES.empty : '';
    this.statusEl.textContent = msg;
    this.statusEl.hidden = !msg;
  };

  // Places a comment (and any replies it carries) in the tree. A new top-level comment goes
  // first when `prepend` is set; replies go under `display_parent_id`.
  Box.prototype.insert = function (c, prepend) {
    var self = this;
    var node = this.renderComment(c);
    var parentId = c.display_parent_id != null ? c.display_parent_id : c.parent_id;
    var parent = parentId != null ? this.nodes[parentId] : null;
    if (parentId != null && !parent) {
      // Parent not shown (e.g. on another page): fall back to the top-level list.
      this.list.appendChild(node.li);
    } else if (parent) {
      parent.replies.appendChild(node.li);
    } else if (prepend && this.sort !== 'oldest') {
      this.list.insertBefore(node.li, this.list.firstChild);
    } else {
      this.list.appendChild(node.li);
    }
    (c.replies || []).forEach(function (r) { self.insert(r, false); });
    if (c.depth === 0 || parentId == null) this.setRepliesCursor(node, c.replies_cursor);
    return node;
  };

  Box.prototype.setRepliesCursor = function (node, cursor) {
    var self = this;
    node.repliesCursor = cursor || null;
    if (!cursor) {
      if (node.moreReplies) node.moreReplies.remove();
      node.moreReplies = null;
      return;
    }
    if (!node.moreReplies) {
      node.moreReplies = button(MESSAGES.moreReplies, function () { self.loadReplies(node); }, 'townhall__more');
      node.li.appendChild(node.moreReplies);
    }
  };

  Box.prototype.loadReplies = function (node) {
    var self = this;
    var btn = node.moreReplies;
    btn.disabled = true;
    api('GET', '/comments/' + node.comment.id + '/replies' + query({ site: this.site, cursor: node.repliesCursor }))
      .then(function (data) {
        btn.disabled = false;
        var first = null;
        data.replies.forEach(function (r) {
          if (self.nodes[r.id]) return;
          var n = self.insert(r, false);
          first = first || n;
        });
        self.setRepliesCursor(node, data.next_cursor);
        if (first) first.article.focus();
      }, function (err) {
        btn.disabled = false;
        showError(self.loadError, err);
      });
  };

  // ---- rendering a comment -------------------------------------------------------------------

  function authorName(c) {
    if (c.author && c.author.deleted) return MESSAGES.deletedUser; // privacy (#5)
    return c.author && c.author.name ? c.author.name : MESSAGES.anonymous;
  }

  function canEdit(c) {
    return c.mine && c.status !== 'deleted' && c.editable_until && Date.parse(c.editable_until) > Date.now();
  }

  Box.prototype.renderComment = function (c) {
    var old = this.nodes[c.id];
    var node = old || { li: h('li', { class: 'townhall__item' }), replies: h('ol', { class: 'townhall__replies' }) };
    node.comment = c;
    node.li.setAttribute('data-depth', String(Math.min(c.depth || 0, 3)));
    var article = this.renderArticle(node);
    if (old) {
      old.article.replaceWith(article);
    } else {
      node.li.append(article, node.replies);
    }
    node.article = article;
    this.nodes[c.id] = node;
    return node;
  };

  Box.prototype.renderArticle = function (node) {
    var c = node.comment;
    var article = h('article', { class: 'townhall__comment', id: 'townhall-comment-' + c.id, tabindex: '-1' });
    if (c.status === 'deleted') {
      article.classList.add('townhall__comment--deleted');
      article.append(h('p', { class: 'townhall__deleted' }, MESSAGES.deleted));
      return article;
    }
    var meta = h('div', { class: 'townhall__meta' },
      h('span', { class: 'townhall__author', dir: 'auto' }, authorName(c)));
    if (c.reply_to && c.parent_id !== c.display_parent_id) {
      meta.append(h('span', { class: 'townhall__replyto' }, t('inReplyTo', { name: c.reply_to.name || MESSAGES.anonymous })));
    }
    if (c.created_at) meta.append(timeEl(c.created_at));
    if (c.edited_at) meta.append(h('span', { class: 'townhall__edited', title: new Date(c.edited_at).toLocaleString(lang) }, MESSAGES.edited));
    if (c.status === 'pending') {
      meta.append(h('span', { class: 'townhall__pending' }, MESSAGES.pending + (c.held_reason ? ': ' + c.held_reason : '')));
    }
    if (c.featured) {
      article.classList.add('townhall__comment--featured');
      meta.prepend(h('span', { class: 'townhall__featured' }, MESSAGES.featured));
    }
    article.setAttribute('aria-label', authorName(c));
    // Readers' text keeps its own direction inside an Arabic (or English) box.
    var body = h('div', { class: 'townhall__body', dir: 'auto' });
    body.innerHTML = c.html || ''; // sanitised by the server
    article.append(meta, body);
    if (c.moderator_note) {
      article.append(h('p', { class: 'townhall__modnote', dir: 'auto' }, t('moderatorNote', { note: c.moderator_note })));
    }
    article.append(this.renderActions(node, article, body));
    if (canEdit(c)) {
      // Take the Edit button away when the window closes.
      setTimeout(function () {
        var btn = article.querySelector('.townhall__edit');
        if (btn && document.activeElement !== btn) btn.remove();
      }, Math.min(Date.parse(c.editable_until) - Date.now() + 500, 2147483647));
    }
    return article;
  };

  Box.prototype.renderActions = function (node, article, body) {
    var self = this;
    var c = node.comment;
    var actions = h('div', { class: 'townhall__actions' });
    if (c.status === 'visible') {
      var countEl = h('span', { class: 'townhall__react-count' }, String(c.reaction_count || 0));
      var react = button(null, function () { self.toggleReaction(node, react, countEl); }, 'townhall__react',
        { 'aria-pressed': c.reacted ? 'true' : 'false' });
      react.append(h('span', { class: 'townhall__icon', 'aria-hidden': 'true' }, '\u25B2'), ' ' + MESSAGES.like + ' ', countEl);
      actions.append(react);
      if (this.open) {
        var replyBtn = button(MESSAGES.reply, function () { self.openReply(node, replyBtn); }, 'townhall__reply');
        actions.append(replyBtn);
      }
    }
    if (canEdit(c)) {
      actions.append(button(MESSAGES.edit, function (ev) { self.openEdit(node, article, body, ev.currentTarget); }, 'townhall__edit'));
    }
    if (c.mine) {
      var del = button(MESSAGES.delete, function () { self.confirmDelete(node, actions, del); }, 'townhall__delete');
      actions.append(del);
    }
    if (this.user && !c.mine && c.status === 'visible') {
      var rep = button(MESSAGES.report, function () { self.openReport(node, actions, rep); }, 'townhall__report',
        { 'aria-expanded': 'false' });
      actions.append(rep);
    }
    if (!c.mine && c.status === 'visible') {
      // Illegal-content notices (EU DSA) go through a form on Townhall's own page, open to
      // readers who are not signed in too.
      actions.append(h('a', { class: 'townhall__illegal', href: apiBase + '/notices/new?comment=' + c.id,
        target: '_blank', rel: 'noopener' }, MESSAGES.reportIllegal));
    }
    return actions;
  };

  // ---- comment actions ---------------------------------------------------------------------

  var REPORT_REASONS = { abuse: 'reasonAbuse', spam: 'reasonSpam', 'off-topic': 'reasonOffTopic',
    misinformation: 'reasonMisinformation', other: 'reasonOther' };

  // A small inline form under the comment; the server keeps one report per reader.
  Box.prototype.openReport = function (node, actions, repBtn) {
    var self = this;
    if (node.reportForm) {
      node.reportForm.querySelector('input').focus();
      return;
    }
    var group = nextId('r');
    var reasons = h('fieldset', { class: 'townhall__reasons' }, h('legend', null, MESSAGES.reportTitle));
    Object.keys(REPORT_REASONS).forEach(function (value, i) {
      var id = nextId('f');
      reasons.append(h('div', { class: 'townhall__choice' },
        h('input', { type: 'radio', name: group, value: value, id: id, checked: i === 0 }),
        h('label', { for: id }, MESSAGES[REPORT_REASONS[value]])));
    });
    var text = field(MESSAGES.reportDetails, { name: 'text', rows: 2, maxlength: '1000' });
    var error = alertBox();
    var send = h('button', { type: 'submit', class: 'townhall__btn townhall__primary' }, MESSAGES.sendReport);
    function close() {
      form.remove();
      node.reportForm = null;
      repBtn.setAttribute('aria-expanded', 'false');
    }
    var form = h('form', {
      class: 'townhall__form townhall__form--report', novalidate: true, 'aria-label': MESSAGES.reportTitle,
      onsubmit: function (ev) {
        ev.preventDefault();
        error.textContent = '';
        send.disabled = true;
        var reason = form.querySelector('input:checked').value;
        var body = { reason: reason, text: text.input.value.trim() || null };
        api('POST', '/comments/' + node.comment.id + '/reports', body).then(function () {
          var done = h('p', { class: 'townhall__thanks', role: 'status', tabindex: '-1' }, MESSAGES.reportThanks);
          close();
          repBtn.replaceWith(done);
          done.focus();
        }, function (err) {
          send.disabled = false;
          showError(error, err);
          if (err.status === 401) self.signedOutByServer();
        });
      }
    }, reasons, text.el, error, h('div', { class: 'townhall__row' }, send,
      button(MESSAGES.cancel, function () { close(); repBtn.focus(); })));
    node.reportForm = form;
    repBtn.setAttribute('aria-expanded', 'true');
    actions.after(form);
    form.querySelector('input').focus();
  };

  Box.prototype.toggleReaction = function (node, btn, countEl) {
    if (!this.requireUser()) return;
    var on = btn.getAttribute('aria-pressed') !== 'true';
    var self = this;
    btn.disabled = true;
    api(on ? 'PUT' : 'DELETE', '/comments/' + node.comment.id + '/reaction').then(function (data) {
      btn.disabled = false;
      btn.setAttribute('aria-pressed', data.reacted ? 'true' : 'false');
      countEl.textContent = String(data.reaction_count);
      node.comment.reacted = data.reacted;
      node.comment.reaction_count = data.reaction_count;
      btn.focus();
    }, function (err) {
      btn.disabled = false;
      self.flashError(node, err);
    });
  };

  // Shows an action's error under the comment.
  Box.prototype.flashError = function (node, err) {
    var box = node.article.querySelector('.townhall__error') || node.article.appendChild(alertBox());
    showError(box, err);
    if (err.status === 401) this.signedOutByServer();
  };

  Box.prototype.openReply = function (node, replyBtn) {
    if (!this.requireUser()) return;
    if (node.replyForm) {
      node.replyForm.querySelector('textarea').focus();
      return;
    }
    var form = this.composeForm(node, function (posted) {
      form.remove();
      node.replyForm = null;
      replyBtn.setAttribute('aria-expanded', 'false');
      if (!posted) replyBtn.focus();
    });
    node.replyForm = form;
    form.classList.add('townhall__form--reply');
    node.article.after(form);
    replyBtn.setAttribute('aria-expanded', 'true');
    form.querySelector('textarea').focus();
  };

  Box.prototype.openEdit = function (node, article, body, editBtn) {
    var self = this;
    var c = node.comment;
    var text = field(MESSAGES.editLabel, { name: 'body', rows: 4, required: true });
    text.input.value = c.body || '';
    var error = alertBox();
    var nudge = nudgeBox();
    var actions = article.querySelector('.townhall__actions');
    var save = h('button', { type: 'submit', class: 'townhall__btn townhall__primary' }, MESSAGES.save);
    function close() {
      form.remove();
      body.hidden = false;
      actions.hidden = false;
    }
    var form = h('form', {
      class: 'townhall__form', novalidate: true,
      onsubmit: function (ev) {
        ev.preventDefault();
        error.textContent = '';
        save.disabled = true;
        var patch = { body: text.input.value };
        if (nudge.shown) patch.nudged = true;
        api('PATCH', '/comments/' + c.id, patch).then(function (updated) {
          var fresh = self.renderComment(mergeReplies(updated, c));
          fresh.article.focus();
        }, function (err) {
          save.disabled = false;
          if (isNudge(err)) {
            nudge.show(err.problem);
            save.textContent = MESSAGES.sendAgain;
            text.input.focus();
            return;
          }
          showError(error, err);
          if (err.status === 401) self.signedOutByServer();
        });
      }
    }, nudge.el, text.el, error, h('div', { class: 'townhall__row' }, save,
      button(MESSAGES.cancel, function () { close(); editBtn.focus(); })));
    body.hidden = true;
    actions.hidden = true;
    body.after(form);
    text.input.focus();
  };

  // An edited comment's answer may omit its replies; they stay where they are in the DOM.
  function mergeReplies(updated, old) {
    updated.replies = [];
    updated.replies_cursor = old.replies_cursor;
    return updated;
  }

  Box.prototype.confirmDelete = function (node, actions, delBtn) {
    var self = this;
    var group = h('span', { class: 'townhall__confirm', role: 'group', 'aria-label': MESSAGES.deleteConfirm },
      h('span', null, MESSAGES.deleteConfirm), ' ');
    var yes = button(MESSAGES.deleteYes, function () {
      yes.disabled = true;
      api('DELETE', '/comments/' + node.comment.id).then(function () {
        self.removeComment(node);
      }, function (err) {
        yes.disabled = false;
        self.flashError(node, err);
      });
    }, 'townhall__danger');
    var no = button(MESSAGES.keep, function () {
      group.remove();
      delBtn.hidden = false;
      delBtn.focus();
    });
    group.append(yes, ' ', no);
    delBtn.hidden = true;
    actions.append(group);
    no.focus();
  };

  Box.prototype.removeComment = function (node) {
    if (!node.li.isConnected) return; // a live update took it away first
    var c = node.comment;
    if (c.status === 'visible') this.setCount(this.count - 1);
    var focusTarget;
    if (node.replies.children.length) {
      // Replies keep it in place as a placeholder, as the server does.
      c.status = 'deleted';
      c.author = null;
      c.html = '';
      c.mine = false;
      focusTarget = this.renderComment(c).article;
    } else {
      var li = node.li;
      var sibling = li.nextElementSibling || li.previousElementSibling;
      var parentLi = li.parentElement.closest('li.townhall__item');
      focusTarget = sibling && sibling.querySelector('article') ||
        (parentLi && parentLi.querySelector('article')) || this.countEl;
      li.remove();
      delete this.nodes[c.id];
      this.updateEmpty();
    }
    focusTarget.focus();
  };

  // ---- live updates ------------------------------------------------------------------------
  // One EventSource per box on the thread's public event stream (no credentials needed). The
  // browser reconnects by itself and sends Last-Event-ID, so the server replays what was missed.
  // Events are handled one at a time, in order; each fetches the comment it names.

  Box.prototype.startLive = function () {
    var self = this;
    if (this.events || !window.EventSource) return;
    this.fresh = []; // new comments waiting behind the "N new comments" button
    this.liveQueue = Promise.resolve();
    this.liveHeard = 0; // arrivals not yet announced
    this.events = new EventSource(apiBase + '/api/v1/threads/events' + query({ site: this.site, thread: this.thread }));
    ['new', 'edited', 'deleted', 'moderated', 'reset'].forEach(function (type) {
      self.events.addEventListener(type, function (ev) {
        var id = null;
        try { id = JSON.parse(ev.data).id; } catch (e) { /* no id to act on */ }
        self.liveQueue = self.liveQueue.then(function () { return self.onLive(type, id); })
          .catch(function () { /* one lost update must not stop the ones after it */ });
      });
    });
  };

  // The comment as this reader may see it; null when it is gone or hidden from them.
  function fetchComment(id) {
    return api('GET', '/comments/' + id).catch(function (err) {
      if (err.status === 404) return null;
      throw err;
    });
  }

  Box.prototype.onLive = function (type, id) {
    var self = this;
    if (type === 'reset') {
      this.liveStale = true;
      return this.showFresh();
    }
    if (id == null) return;
    if (type === 'deleted') return this.liveRemove(id);
    return fetchComment(id).then(function (c) {
      if (!c || (c.status === 'deleted' && type !== 'new')) self.liveRemove(id);
      else if (type === 'new' && !self.nodes[c.id]) self.liveNew(c);
      else self.liveUpdate(c);
    });
  };

  Box.prototype.liveNew = function (c) {
    if (c.mine || c.status !== 'visible') return; // the reader's own: their box shows it already
    var parent = c.parent_id != null && this.nodes[c.parent_id];
    if (parent && parent.comment.mine && this.notesBtn) this.loadNotes(false);
    var parentId = c.display_parent_id != null ? c.display_parent_id : c.parent_id;
    if (parentId != null && this.nodes[parentId]) {
      // A reply to a comment on the page goes straight in under it.
      this.setCount(this.count + 1);
      this.highlight(this.insert(c, false));
    } else {
      this.fresh = this.fresh.filter(function (f) { return f.id !== c.id; }).concat([c]);
      this.showFresh();
    }
    this.heard();
  };

  // The "N new comments" button above the list; after a reset it reloads the whole thread.
  Box.prototype.showFresh = function () {
    var self = this;
    var n = this.fresh.filter(function (c) { return !self.nodes[c.id]; }).length;
    if (!this.freshBtn) {
      if (!n && !this.liveStale) return;
      this.freshBtn = button('', function () { self.insertFresh(); }, 'townhall__fresh');
      this.list.before(this.freshBtn);
    }
    this.freshBtn.textContent = this.liveStale ? MESSAGES.showLatest : t('newComments', { count: n, n: n.toLocaleString(lang) });
    this.freshBtn.hidden = !n && !this.liveStale;
  };

  Box.prototype.insertFresh = function () {
    var self = this;
    var fresh = this.fresh;
    var focus = null;
    this.fresh = [];
    this.freshBtn.hidden = true;
    if (this.liveStale) {
      this.liveStale = false;
      return this.load().then(function () { self.countEl.focus(); });
    }
    // In arrival order: on a newest-first list the latest ends up on top, and gets the focus.
    fresh.forEach(function (c) {
      if (self.nodes[c.id]) return;
      var node = self.insert(c, true);
      self.setCount(self.count + 1);
      self.highlight(node);
      if (!focus || self.sort !== 'oldest') focus = node;
    });
    this.updateEmpty();
    if (focus) focus.article.focus();
  };

  // After a (re)load the page is current: forget what it now shows, and any reset.
  Box.prototype.liveLoaded = function () {
    this.liveStale = false;
    this.showFresh();
  };

  // Refreshes a comment on the page (or waiting to be shown) with what the server says now.
  Box.prototype.liveUpdate = function (c) {
    this.fresh = this.fresh.map(function (f) { return f.id === c.id ? c : f; });
    var node = this.nodes[c.id];
    if (!node) return;
    var old = node.comment;
    var body = node.article.querySelector('.townhall__body');
    if (old.status === c.status && body) {
      if (old.html === c.html) return;
      // Only the text changed: swap it, keeping focus, open forms and buttons where they are.
      old.html = c.html;
      old.edited_at = c.edited_at;
      if (c.body != null) old.body = c.body;
      body.innerHTML = c.html; // sanitised by the server
      var meta = node.article.querySelector('.townhall__meta');
      if (c.edited_at && meta && !meta.querySelector('.townhall__edited')) {
        meta.append(h('span', { class: 'townhall__edited', title: new Date(c.edited_at).toLocaleString(lang) }, MESSAGES.edited));
      }
      this.highlight(node);
      return;
    }
    // The status changed (held, approved…): draw it again.
    this.setCount(this.count + (c.status === 'visible') - (old.status === 'visible'));
    var focused = node.article.contains(document.activeElement);
    var fresh = this.renderComment(mergeReplies(c, old));
    if (focused) fresh.article.focus();
  };

  // Takes a comment off the page, or leaves the deleted placeholder when replies hang under it.
  Box.prototype.liveRemove = function (id) {
    this.fresh = this.fresh.filter(function (f) { return f.id !== id; });
    this.showFresh();
    var node = this.nodes[id];
    if (!node) return;
    var c = node.comment;
    var focused = node.li.contains(document.activeElement);
    if (c.status === 'visible') this.setCount(this.count - 1);
    if (node.replies.children.length) {
      if (c.status === 'deleted') return;
      c.status = 'deleted';
      c.author = null;
      c.html = '';
      c.mine = false;
      var placeholder = this.renderComment(c);
      if (focused) placeholder.article.focus();
      return;
    }
    node.li.remove();
    delete this.nodes[id];
    this.updateEmpty();
    if (focused) this.countEl.focus();
    // A placeholder whose last reply went goes too, as on the server.
    var up = this.nodes[c.display_parent_id != null ? c.display_parent_id : c.parent_id];
    if (up && up.comment.status === 'deleted' && !up.replies.children.length) this.liveRemove(up.comment.id);
  };

  Box.prototype.highlight = function (node) {
    var a = node.article;
    a.classList.remove('townhall__comment--live');
    void a.offsetWidth; // restarts the animation on a second change
    a.classList.add('townhall__comment--live');
  };

  // One polite announcement per burst of arrivals, not one per event.
  Box.prototype.heard = function () {
    var self = this;
    this.liveHeard += 1;
    if (this.heardTimer) return;
    this.heardTimer = setTimeout(function () {
      var n = self.liveHeard;
      self.liveHeard = 0;
      self.heardTimer = null;
      self.announce(t('newComments', { count: n, n: n.toLocaleString(lang) }));
    }, 1000);
  };

  // ---- start -------------------------------------------------------------------------------

  // The box's data-townhall-lang, else the page's <html lang>, else the server's default.
  // "uk-UA" uses the uk catalogue and formats dates for uk-UA. One language per page.
  function pageLanguage(root) {
    var tag = (root.getAttribute('data-townhall-lang') || document.documentElement.lang || '').trim();
    var base = tag.toLowerCase().split(/[-_]/)[0];
    if (LANGUAGES.indexOf(base) >= 0) return { tag: tag.replace('_', '-'), base: base };
    return { tag: '', base: tag ? 'en' : 'default' };
  }

  function loadCatalogue(language) {
    if (language.base === 'en') return Promise.resolve();
    return fetch(widgetDir + 'i18n/' + language.base + '.json').then(function (res) {
      return res.ok ? res.json() : {};
    }).then(function (catalogue) {
      for (var k in catalogue) if (k in MESSAGES) MESSAGES[k] = catalogue[k];
      if (language.tag) MESSAGES.locale = language.tag;
    }, function () { /* unreachable catalogue: English rather than no box */ });
  }

  function init() {
    var roots = document.querySelectorAll('[data-townhall-thread]');
    if (!roots.length) return;
    injectCss();
    loadCatalogue(pageLanguage(roots[0])).then(function () {
      lang = MESSAGES.locale;
      roots.forEach(function (root) {
        if (root.townhallBox) return;
        root.townhallBox = new Box(root);
        root.townhallBox.start();
      });
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
