// The console page: hash-routed views over the console's JSON API. Every piece of stored data (message
// content, memory values, ids, error messages) is hostile input: it reaches the page only as text nodes
// or attribute values set through the DOM, never as HTML.
'use strict';

(function () {
  const app = document.getElementById('app');
  const notice = document.getElementById('notice');
  /** Bumped on every render, so a slow answer for a view the user has left is dropped. */
  let generation = 0;
  let refreshTimer = null;
  /** Polling interval of a view with work in flight (ms). */
  const IN_FLIGHT_REFRESH_MS = 1500;

  // ───────────────────────────── DOM helpers ─────────────────────────────

  /** Creates an element; strings and numbers among `children` become text nodes (never HTML). */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') el.className = value;
      else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? '' : String(value));
    }
    appendAll(el, children);
    return el;
  }

  function appendAll(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  /** A link inside the console. */
  function link(hash, ...children) {
    return h('a', { href: hash }, ...children);
  }

  /** A link out of the console (only http(s) URLs the server built). */
  function externalLink(url, text) {
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return null;
    return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'button secondary' }, text, ' ↗');
  }

  function badge(text, kind) {
    return h('span', { class: `badge ${kind || ''}` }, text);
  }

  function time(iso) {
    if (!iso) return h('span', { class: 'muted' }, '—');
    const date = new Date(iso);
    const seconds = Math.round((date.getTime() - Date.now()) / 1000);
    const abs = Math.abs(seconds);
    const span =
      abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 86400 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
    const relative = abs < 1 ? 'just now' : seconds > 0 ? `in ${span}` : `${span} ago`;
    const pad = (n) => String(n).padStart(2, '0');
    const local = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
    return h('time', { datetime: iso, title: iso }, local, ' ', h('span', { class: 'muted' }, `(${relative})`));
  }

  function num(value) {
    return value === null || value === undefined ? h('span', { class: 'muted' }, '—') : String(value);
  }

  function shortId(id) {
    return id && id.length > 14 ? `${id.slice(0, 12)}…` : id;
  }

  function nsText(namespace) {
    return namespace.length === 0 ? '(root)' : namespace.join(' / ');
  }

  function statusBadge(status) {
    const kind = { RUNNING: 'ok', COMPLETED: 'muted', FAILED: 'bad', TERMINATED: 'bad', TIMED_OUT: 'bad', CANCELLED: 'warn' }[status] || '';
    return badge(status || 'UNKNOWN', kind);
  }

  function showNotice(text, kind) {
    notice.textContent = text;
    notice.className = `notice ${kind}`;
    notice.hidden = false;
  }

  function clearNotice() {
    notice.hidden = true;
    notice.textContent = '';
  }

  // ───────────────────────────── API ─────────────────────────────

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const init = { method, headers: { accept: 'application/json' } };
    if (method === 'POST') {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body || {});
    }
    const res = await fetch(`/api${path}`, init);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError(res.status, (data.error && data.error.message) || `HTTP ${res.status}`);
    return data;
  }

  /** Runs an action after the operator confirms it, then shows its outcome and re-renders. */
  async function act(button, question, run, describe) {
    if (!window.confirm(question)) return;
    button.disabled = true;
    try {
      const result = await run();
      showNotice(describe(result), 'ok');
    } catch (err) {
      showNotice(`Failed: ${err.message}`, 'bad');
    }
    await render();
  }

  // ───────────────────────────── routing ─────────────────────────────

  function parseHash() {
    const raw = location.hash.replace(/^#/, '') || '/threads';
    const [path, search] = raw.split('?');
    return { path, params: new URLSearchParams(search || '') };
  }

  const threadHash = (threadId) => `#/threads/${encodeURIComponent(threadId)}`;
  const memoriesHash = (namespace, query) =>
    `#/memories?${new URLSearchParams(Object.assign({ ns: JSON.stringify(namespace) }, query ? { q: query } : {})).toString()}`;
  const memoryHash = (namespace, key) => `#/memory?${new URLSearchParams({ ns: JSON.stringify(namespace), key }).toString()}`;

  async function render() {
    const mine = ++generation;
    clearTimeout(refreshTimer);
    const hash = location.hash;
    const { path, params } = parseHash();
    for (const a of document.querySelectorAll('[data-nav]')) {
      a.classList.toggle('active', path.startsWith(`/${a.getAttribute('data-nav')}`) || (a.getAttribute('data-nav') === 'memories' && path === '/memory'));
    }
    let view;
    try {
      if (path === '/threads') view = await threadsView(params);
      else if (path.startsWith('/threads/')) view = await timelineView(decodeURIComponent(path.slice('/threads/'.length)));
      else if (path === '/memories') view = await memoriesView(params);
      else if (path === '/memory') view = await historyView(params);
      else view = { node: h('p', {}, 'No such page. ', link('#/threads', 'Go to the threads.')) };
    } catch (err) {
      view = { node: errorView(err) };
    }
    if (mine !== generation) return;
    app.replaceChildren(view.node);
    app.setAttribute('data-view', path.split('/')[1] || 'threads');
    // Which location the shown view belongs to (tests wait for it to match after navigating).
    app.setAttribute('data-hash', hash);
    if (view.refresh) refreshTimer = setTimeout(() => void render(), IN_FLIGHT_REFRESH_MS);
  }

  function errorView(err) {
    const status = err instanceof ApiError ? err.status : 0;
    const hint =
      status === 503
        ? 'Is the Temporal server / DynamoDB running? Retry in a moment.'
        : status === 404
          ? 'It may have been removed, or the link is wrong.'
          : '';
    return h('div', { class: 'error-box' }, h('strong', {}, status ? `Error ${status}: ` : 'Error: '), err.message, hint ? h('p', {}, hint) : null);
  }

  // ───────────────────────────── threads ─────────────────────────────

  async function threadsView(params) {
    const status = params.get('status') || '';
    const { threads } = await api('GET', `/threads${status ? `?status=${encodeURIComponent(status)}` : ''}`);
    const filter = h(
      'select',
      {
        'aria-label': 'Status filter',
        onchange: (event) => {
          location.hash = event.target.value ? `#/threads?status=${event.target.value}` : '#/threads';
        },
      },
      [
        ['', 'All threads'],
        ['open', 'Running'],
        ['closed', 'Closed'],
      ].map(([value, text]) => h('option', { value, selected: value === status }, text)),
    );
    const rows = threads.map((t) =>
      h(
        'tr',
        { 'data-thread': t.threadId },
        h('td', { class: 'nowrap' }, link(threadHash(t.threadId), t.threadId)),
        h('td', {}, statusBadge(t.workflowStatus)),
        h('td', { class: 'num' }, live(t, num(t.pendingCount))),
        h('td', {}, live(t, time(t.nextExtractionAt))),
        h('td', {}, live(t, time(t.lastExtractionAt))),
        h('td', { class: 'num' }, live(t, num(t.extractionsCompleted))),
        h('td', {}, failuresCell(t)),
        h('td', { class: 'num' }, t.openDeadLetters > 0 ? badge(String(t.openDeadLetters), 'bad') : '0'),
        h(
          'td',
          { class: 'nowrap' },
          t.temporalUiLink ? h('a', { href: t.temporalUiLink, target: '_blank', rel: 'noopener noreferrer' }, 'Temporal UI ↗') : null,
        ),
      ),
    );
    const table =
      threads.length === 0
        ? h('p', { class: 'empty' }, 'No threads yet. Submit messages (for example with npm run demo) and they appear here.')
        : h(
            'table',
            { class: 'grid threads' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Thread', 'Status', 'Pending', 'Next extraction', 'Last extraction', 'Extractions', 'Failures', 'Open dead letters', ''].map((c) =>
                  h('th', {}, c),
                ),
              ),
            ),
            h('tbody', {}, rows),
          );
    return {
      node: h(
        'section',
        {},
        h(
          'div',
          { class: 'title-row' },
          h('h1', {}, 'Threads'),
          h('div', { class: 'actions' }, filter, h('button', { class: 'secondary', onclick: () => void render() }, 'Refresh')),
        ),
        h('p', { class: 'muted' }, `${threads.length} thread${threads.length === 1 ? '' : 's'}, newest first.`),
        table,
      ),
    };
  }

  /** A live column of a thread list row: "?" when the thread's state could not be read (unknown, not none). */
  function live(t, value) {
    return t.stateError ? h('span', { class: 'unknown', title: `Live state unavailable: ${t.stateError}` }, '?') : value;
  }

  function failuresCell(t) {
    if (t.stateError) return h('span', { class: 'badge warn state-error', title: t.stateError }, 'live state unavailable');
    const parts = [];
    if (t.retryingAttempt) parts.push(badge(`retrying · attempt ${t.retryingAttempt}`, 'warn'));
    if (t.batchesDeadLettered) parts.push(badge(`${t.batchesDeadLettered} dead-lettered`, 'bad'));
    if (t.lastFailure) parts.push(h('span', { class: 'failure', title: t.lastFailure.message }, t.lastFailure.type));
    return parts.length ? parts : h('span', { class: 'muted' }, 'none');
  }

  // ───────────────────────────── thread timeline ─────────────────────────────

  async function timelineView(threadId) {
    const t = await api('GET', `/threads/${encodeURIComponent(threadId)}`);
    const s = t.state;
    const running = s && s.workflowStatus === 'RUNNING';
    const flushButton = h(
      'button',
      {
        disabled: !running,
        title: running
          ? 'Extract everything pending now, without waiting for the quiet period'
          : t.stateError
            ? 'The thread did not answer: it cannot be flushed now'
            : 'The thread is not running: nothing to flush',
        onclick: (event) =>
          void act(
            event.currentTarget,
            `Flush thread "${threadId}" now? Its pending messages are extracted immediately.`,
            () => api('POST', `/threads/${encodeURIComponent(threadId)}/flush`, {}),
            (r) =>
              `Flushed: ${r.batchCount} batch(es), ${r.messagesProcessed} message(s) processed, ${r.inserted} inserted, ${r.updated} updated, ${r.deleted} deleted${r.complete ? '' : ' (still running in the background)'}.`,
          ),
      },
      'Flush now',
    );
    const header = h(
      'div',
      { class: 'title-row' },
      h(
        'div',
        {},
        h('p', { class: 'crumbs' }, link('#/threads', '← Threads')),
        h(
          'h1',
          {},
          'Thread ',
          h('code', {}, threadId),
          ' ',
          s ? statusBadge(s.workflowStatus) : t.stateError ? badge('STATE UNAVAILABLE', 'warn') : statusBadge('CLOSED'),
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        flushButton,
        externalLink(t.temporalUiLink, 'Open in Temporal UI'),
        h('button', { class: 'secondary', onclick: () => void render() }, 'Refresh'),
      ),
    );
    const open = t.deadLetters.filter((d) => d.status === 'open');
    const inFlight =
      t.deadLetters.some((d) => d.status === 'redrive-requested') ||
      (s && (s.extracting || (s.pendingCount > 0 && s.nextExtractionAt && Date.parse(s.nextExtractionAt) - Date.now() < 60000)));
    return {
      refresh: Boolean(inFlight),
      node: h(
        'section',
        {},
        header,
        h('p', { class: 'muted' }, 'Workflow ', h('code', {}, t.workflowId)),
        s
          ? stateSummary(s)
          : t.stateError
            ? h(
                'div',
                { class: 'warn-box state-error' },
                h('strong', {}, 'Live state unavailable: '),
                t.stateError,
                h(
                  'p',
                  {},
                  'The workflow may still be running (memory-ops doctor checks for a worker). The stored messages, batches and dead letters are shown below.',
                ),
              )
            : h(
                'p',
                { class: 'muted' },
                'The workflow is closed (idle close or never running): the stored messages, batches and dead letters are shown below.',
              ),
        deadLettersSection(threadId, t.deadLetters, open),
        h('h2', {}, 'Timeline'),
        t.truncated ? h('p', { class: 'muted' }, `Showing the newest ${t.messages.length} messages.`) : null,
        timelineList(t),
      ),
    };
  }

  function stateSummary(s) {
    const totals = s.totals;
    const card = (label, ...value) => h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, ...value));
    return h(
      'div',
      {},
      h(
        'div',
        { class: 'cards' },
        card('Pending messages', String(s.pendingCount)),
        card('Next extraction', time(s.nextExtractionAt)),
        card('Last extraction', time(s.lastExtractionAt)),
        card('Extractions', String(totals.extractionsCompleted)),
        card('Memories', `+${totals.memoriesInserted} ~${totals.memoriesUpdated} −${totals.memoriesDeleted}`),
        card('Tokens in / out', `${totals.usage.inputTokens} / ${totals.usage.outputTokens}`),
        card('Messages', `${totals.messagesReceived} received · ${totals.messagesProcessed} processed · ${totals.messagesDeadLettered} dead-lettered`),
        card('Quiet period', `${s.afterSeconds} s (max wait ${s.maxWaitSeconds} s)`),
      ),
      s.extracting
        ? h(
            'div',
            { class: 'info-box' },
            `Extracting batch ${shortId(s.extracting.batchId)} (${s.extracting.messageCount} messages) since `,
            time(s.extracting.since),
          )
        : null,
      s.retrying
        ? h(
            'div',
            { class: 'warn-box' },
            h('strong', {}, `Retrying: attempt ${s.retrying.attempt}. `),
            s.retrying.lastFailure ? `${s.retrying.lastFailure.type}: ${s.retrying.lastFailure.message}` : '',
            s.retrying.nextAttemptAt ? h('span', {}, ' — next attempt ', time(s.retrying.nextAttemptAt)) : null,
          )
        : null,
      s.lastFailure
        ? h(
            'div',
            { class: 'error-box' },
            h('strong', {}, `Last failure (batch ${shortId(s.lastFailure.batchId)}): `),
            `${s.lastFailure.type}: ${s.lastFailure.message}`,
          )
        : null,
    );
  }

  function deadLettersSection(threadId, letters, open) {
    if (letters.length === 0) return null;
    const redriveButton = (letter) =>
      h(
        'button',
        {
          class: 'danger',
          'data-batch': letter.batchId,
          onclick: (event) =>
            void act(
              event.currentTarget,
              `Re-drive dead letter ${letter.batchId}? Its ${letter.messageCount} message(s) are extracted again now, against the memories as they are.`,
              () => api('POST', `/threads/${encodeURIComponent(threadId)}/dead-letters/redrive`, { batchId: letter.batchId }),
              (r) => `Re-drive requested for ${r.requested.length} dead letter(s).`,
            ),
        },
        'Re-drive',
      );
    const rows = letters.map((d) =>
      h(
        'tr',
        { 'data-dead-letter': d.batchId, 'data-status': d.status },
        h('td', {}, h('code', { title: d.batchId }, shortId(d.batchId))),
        h('td', {}, `#${d.fromSeq}–#${d.toSeq} (${d.messageCount})`),
        h(
          'td',
          {},
          h('span', { class: 'failure' }, d.error.type),
          ': ',
          d.details ? d.details.summary : d.error.message,
          failureDetailsView(d.details),
          d.lastRedriveError
            ? h(
                'div',
                { class: 'muted' },
                `last re-drive: ${d.lastRedriveError.type}: `,
                d.lastRedriveDetails ? d.lastRedriveDetails.summary : d.lastRedriveError.message,
              )
            : null,
          failureDetailsView(d.lastRedriveDetails),
        ),
        h('td', {}, time(d.deadAt)),
        h(
          'td',
          {},
          badge(d.status, d.status === 'open' ? 'bad' : d.status === 'redriven' ? 'ok' : 'warn'),
          d.redrivenAt ? h('div', { class: 'muted' }, 'at ', time(d.redrivenAt)) : null,
        ),
        h('td', { class: 'num' }, String(d.redrives)),
        h('td', {}, d.status === 'open' ? redriveButton(d) : null),
      ),
    );
    const all =
      open.length > 1
        ? h(
            'button',
            {
              class: 'danger',
              onclick: (event) =>
                void act(
                  event.currentTarget,
                  `Re-drive all ${open.length} open dead letters of "${threadId}"?`,
                  () => api('POST', `/threads/${encodeURIComponent(threadId)}/dead-letters/redrive`, {}),
                  (r) => `Re-drive requested for ${r.requested.length} dead letter(s).`,
                ),
            },
            'Re-drive all open',
          )
        : null;
    return h(
      'div',
      { class: 'dead-letters' },
      h('div', { class: 'title-row' }, h('h2', {}, 'Dead letters'), h('div', { class: 'actions' }, all)),
      h(
        'table',
        { class: 'grid' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Batch', 'Messages', 'Error', 'Dead since', 'Status', 'Re-drives', ''].map((c) => h('th', {}, c)),
          ),
        ),
        h('tbody', {}, rows),
      ),
    );
  }

  /** Messages received, batches committed and dead letters, oldest first. */
  function timelineList(t) {
    const letters = new Map(t.deadLetters.map((d) => [d.batchId, d]));
    const batches = new Map(t.batches.map((b) => [b.batchId, b]));
    const events = [];
    for (const m of t.messages) events.push({ at: m.storedAt, order: 0, seq: m.seq, node: messageEvent(m, batches, letters) });
    for (const d of t.deadLetters) events.push({ at: d.deadAt, order: 1, seq: d.toSeq, node: deadLetterEvent(d) });
    for (const b of t.batches) events.push({ at: b.at, order: 2, seq: b.toSeq, node: batchEvent(b) });
    events.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : x.order - y.order || x.seq - y.seq));
    if (events.length === 0) return h('p', { class: 'empty' }, 'Nothing stored for this thread.');
    return h(
      'ol',
      { class: 'timeline' },
      events.map((e) => e.node),
    );
  }

  function messageEvent(m, batches, letters) {
    // A message can be through a batch the log does not name (batches from before the batch log).
    const where = !m.batchId
      ? m.processed
        ? badge('processed', 'ok')
        : badge('pending', 'warn')
      : batches.has(m.batchId)
        ? badge(`batch ${shortId(m.batchId)}`, 'ok')
        : letters.has(m.batchId)
          ? badge(`dead letter ${shortId(m.batchId)}`, 'bad')
          : badge(`batch ${shortId(m.batchId)}`, '');
    return h(
      'li',
      { class: 'event message', 'data-seq': m.seq },
      h(
        'div',
        { class: 'event-head' },
        badge('message', 'kind-message'),
        ` #${m.seq} · `,
        h('span', { class: 'role' }, m.role),
        ' · ',
        h('code', {}, m.id),
        ' · ',
        nsText(m.namespace),
        ' · ',
        time(m.storedAt),
        ' ',
        where,
      ),
      h('pre', { class: 'content' }, m.content),
    );
  }

  function memoryKeys(label, namespace, keys) {
    if (!keys || keys.length === 0) return null;
    return h(
      'div',
      { class: 'ops' },
      h('span', { class: `op ${label}` }, label),
      ' ',
      keys.map((key, i) => [i ? ', ' : '', link(memoryHash(namespace, key), h('code', {}, key))]),
    );
  }

  function batchEvent(b) {
    return h(
      'li',
      { class: 'event batch', 'data-batch': b.batchId },
      h(
        'div',
        { class: 'event-head' },
        badge(b.kind === 'redrive' ? 're-drive batch' : 'batch', 'kind-batch'),
        ' ',
        h('code', { title: b.batchId }, b.batchId),
        ` · messages #${b.fromSeq}–#${b.toSeq} (${b.messageCount}) · `,
        nsText(b.namespace),
        ' · ',
        time(b.at),
      ),
      h(
        'div',
        { class: 'batch-meta' },
        'model ',
        h('code', { class: 'model' }, b.model),
        ` · tokens in/out ${b.usage.inputTokens}/${b.usage.outputTokens}`,
        typeof b.costUsd === 'number' ? ` · ≈ $${b.costUsd.toFixed(4)}` : '',
      ),
      memoryKeys('inserted', b.namespace, b.inserted),
      memoryKeys('updated', b.namespace, b.updated),
      memoryKeys('deleted', b.namespace, b.deleted),
      b.inserted.length + b.updated.length + b.deleted.length === 0 ? h('div', { class: 'muted' }, 'no memory changed') : null,
    );
  }

  // A dead letter's failure details (from DynamoDB, never from Temporal): the proposal, refusal, error body or
  // offending output, shown as text in a collapsed block.
  function failureDetailsView(details) {
    if (!details || (!details.detail && !details.clippedDetailJson)) return null;
    const text = details.detail ? JSON.stringify(details.detail, null, 2) : `${details.clippedDetailJson} (clipped)`;
    return h(
      'details',
      { class: 'failure-details', 'data-failure-details': details.batchId },
      h('summary', {}, `details (attempt ${details.attempt})`),
      h('pre', {}, text),
    );
  }

  function deadLetterEvent(d) {
    return h(
      'li',
      { class: 'event dead', 'data-dead-letter': d.batchId },
      h(
        'div',
        { class: 'event-head' },
        badge('dead letter', 'bad'),
        ' ',
        h('code', { title: d.batchId }, d.batchId),
        ` · messages #${d.fromSeq}–#${d.toSeq} (${d.messageCount}) · `,
        time(d.deadAt),
        ' ',
        badge(d.status, d.status === 'redriven' ? 'ok' : 'warn'),
      ),
      h(
        'div',
        {},
        h('span', { class: 'failure' }, d.error.type),
        `: ${d.details ? d.details.summary : d.error.message}`,
        d.error.reason ? h('span', { class: 'muted' }, ` (${d.error.reason})`) : null,
      ),
      failureDetailsView(d.details),
    );
  }

  // ───────────────────────────── memories ─────────────────────────────

  async function memoriesView(params) {
    const { namespaces } = await api('GET', '/namespaces');
    let namespace = null;
    try {
      namespace = params.get('ns') ? JSON.parse(params.get('ns')) : null;
    } catch {
      namespace = null;
    }
    if (!Array.isArray(namespace)) namespace = namespaces[0] || null;
    const query = params.get('q') || '';
    const side = h(
      'nav',
      { class: 'namespaces', 'aria-label': 'Namespaces' },
      h('h2', {}, 'Namespaces'),
      namespaces.length === 0
        ? h('p', { class: 'muted' }, 'None yet.')
        : h(
            'ul',
            {},
            namespaces.map((ns) =>
              h('li', {}, h('a', { href: memoriesHash(ns), class: namespace && JSON.stringify(ns) === JSON.stringify(namespace) ? 'active' : '' }, nsText(ns))),
            ),
          ),
    );
    if (!namespace) {
      return { node: h('section', { class: 'split' }, side, h('div', {}, h('h1', {}, 'Memories'), h('p', { class: 'empty' }, 'No memories stored yet.'))) };
    }
    const qs = new URLSearchParams({ namespace: JSON.stringify(namespace) });
    if (query) qs.set('query', query);
    const { items } = await api('GET', `/memories?${qs.toString()}`);
    const input = h('input', { type: 'search', name: 'q', value: query, placeholder: 'Search memories…', 'aria-label': 'Search memories' });
    const form = h(
      'form',
      {
        class: 'search',
        role: 'search',
        onsubmit: (event) => {
          event.preventDefault();
          location.hash = memoriesHash(namespace, input.value.trim());
        },
      },
      input,
      h('button', { type: 'submit' }, 'Search'),
      query ? h('a', { href: memoriesHash(namespace), class: 'button secondary' }, 'Clear') : null,
    );
    const rows = items.map((item) =>
      h(
        'tr',
        { 'data-key': item.key },
        h('td', { class: 'memory-text' }, valueText(item.value)),
        h('td', {}, link(memoryHash(item.namespace, item.key), h('code', { class: 'key' }, item.key))),
        h('td', { class: 'num' }, `v${item.version}`),
        h('td', {}, time(item.updatedAt)),
        query ? h('td', { class: 'num' }, typeof item.score === 'number' ? item.score.toFixed(2) : '') : null,
        h('td', {}, link(memoryHash(item.namespace, item.key), 'History')),
      ),
    );
    return {
      node: h(
        'section',
        { class: 'split' },
        side,
        h(
          'div',
          {},
          h('h1', {}, 'Memories in ', h('code', {}, nsText(namespace))),
          // No erase button on purpose: erasure cannot be undone, so it is an explicit, scriptable CLI run. The
          // namespace is not filled in: a label may hold shell metacharacters, and this text gets copied.
          h(
            'p',
            { class: 'muted forget-hint' },
            'To erase everything under a namespace: ',
            h('code', {}, 'memory-ops memories forget <prefix> --yes'),
            ' (see what goes with --dry-run first).',
          ),
          form,
          h(
            'p',
            { class: 'muted' },
            query
              ? `${items.length} match${items.length === 1 ? '' : 'es'} for “${query}”, best first.`
              : `${items.length} memor${items.length === 1 ? 'y' : 'ies'}, newest first.`,
          ),
          items.length === 0
            ? h('p', { class: 'empty' }, query ? 'Nothing matches.' : 'No memories under this namespace.')
            : h(
                'table',
                { class: 'grid memories' },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    ['Memory', 'Key', 'Version', 'Updated', query ? 'Score' : null, ''].filter((c) => c !== null).map((c) => h('th', {}, c)),
                  ),
                ),
                h('tbody', {}, rows),
              ),
        ),
      ),
    };
  }

  /** LangMem's `{kind, content: {content}}` as its text; any other value as JSON. */
  function valueText(value) {
    const content = value && value.content;
    if (content && typeof content === 'object' && typeof content.content === 'string' && Object.keys(content).length === 1) {
      return [value.kind && value.kind !== 'Memory' ? badge(value.kind, '') : null, content.content];
    }
    return h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
  }

  // ───────────────────────────── memory history ─────────────────────────────

  async function historyView(params) {
    const namespace = JSON.parse(params.get('ns') || '[]');
    const key = params.get('key') || '';
    const qs = new URLSearchParams({ namespace: JSON.stringify(namespace), key });
    const { item, history } = await api('GET', `/memories/history?${qs.toString()}`);
    const latest = history.length ? history[history.length - 1].version : null;
    const cards = history.map((change, index) => changeCard(change, index > 0 ? history[index - 1] : null, namespace, key, change.version === latest));
    cards.reverse();
    return {
      node: h(
        'section',
        {},
        h('p', { class: 'crumbs' }, link(memoriesHash(namespace), `← Memories in ${nsText(namespace)}`)),
        h('h1', {}, 'Memory ', h('code', {}, key)),
        h(
          'div',
          { class: 'current card wide' },
          h('div', { class: 'label' }, item ? `Now (version ${item.version}, updated ` : 'Now: deleted', item ? time(item.updatedAt) : null, item ? ')' : null),
          item
            ? h('div', { class: 'value memory-text' }, valueText(item.value))
            : h('div', { class: 'value muted' }, 'This memory is deleted; restore a version below to bring it back.'),
        ),
        h('h2', {}, `History (${history.length} change${history.length === 1 ? '' : 's'}, newest first)`),
        h('ol', { class: 'history' }, cards),
      ),
    };
  }

  function changeCard(change, previous, namespace, key, isLatest) {
    const before = previous && previous.value ? JSON.stringify(previous.value, null, 2) : '';
    const after = change.value ? JSON.stringify(change.value, null, 2) : '';
    const restore = isLatest
      ? h('span', { class: 'muted' }, 'current version')
      : h(
          'button',
          {
            class: 'secondary',
            'data-restore': change.version,
            onclick: (event) =>
              void act(
                event.currentTarget,
                change.value
                  ? `Restore memory "${key}" to version ${change.version}? This writes a new version with that value.`
                  : `Version ${change.version} is a delete: restoring it deletes memory "${key}". Continue?`,
                () => api('POST', '/memories/restore', { namespace, key, version: change.version }),
                (r) =>
                  r.item
                    ? `Restored version ${change.version}: the memory is now version ${r.item.version}.`
                    : `Restored version ${change.version}: the memory is deleted.`,
              ),
          },
          'Restore this version',
        );
    const actionKind = { insert: 'ok', update: 'warn', delete: 'bad', restore: 'info' }[change.action] || '';
    return h(
      'li',
      { class: 'change', 'data-version': change.version },
      h(
        'div',
        { class: 'title-row' },
        h('h3', {}, `Version ${change.version} `, badge(change.action, actionKind), ' ', time(change.at)),
        h('div', { class: 'actions' }, restore),
      ),
      provenance(change.by),
      h('div', { class: 'diff-label muted' }, previous ? `Changes from version ${previous.version}` : 'First version'),
      diffView(before, after),
    );
  }

  function provenance(by) {
    const rows = [];
    const row = (label, ...value) => rows.push(h('dt', {}, label), h('dd', {}, ...value));
    row('Source', by.kind === 'extraction' ? 'extraction by the memory manager' : by.kind === 'api' ? 'client call' : by.kind);
    if (by.threadId) row('Thread', link(threadHash(by.threadId), h('code', { class: 'thread' }, by.threadId)));
    if (by.batchId) row('Batch', h('code', { class: 'batch-id' }, by.batchId));
    if (by.fromSeq !== undefined) row('Messages', `#${by.fromSeq}–#${by.toSeq} (${by.messageCount} message${by.messageCount === 1 ? '' : 's'})`);
    if (by.messageIds && by.messageIds.length) {
      row(
        'Message ids',
        by.messageIds.map((id, i) => [i ? ', ' : '', h('code', {}, id)]),
        by.messageCount > by.messageIds.length ? h('span', { class: 'muted' }, ` … and ${by.messageCount - by.messageIds.length} more`) : null,
      );
    }
    if (by.model) row('Model', h('code', { class: 'model' }, by.model));
    if (by.phase) row('Pass', (by.phases || [by.phase]).join(' → '));
    if (by.fromVersion !== undefined) row('Restored from', `version ${by.fromVersion}`);
    if (by.actor) row('Actor', by.actor);
    return h('dl', { class: 'provenance' }, rows);
  }

  function diffView(before, after) {
    const rows = window.ConsoleDiff.diffLines(before, after);
    if (rows.length === 0) return h('pre', { class: 'diff' }, h('span', { class: 'muted' }, '(empty: deleted)'));
    return h(
      'pre',
      { class: 'diff' },
      rows.map((row) => {
        const sign = row.op === 'ins' ? '+ ' : row.op === 'del' ? '- ' : '  ';
        // Paired lines highlight the changed words; a line added or removed whole is shown by its background.
        const body = row.parts ? row.parts.map((p) => (p.op === 'eq' ? p.value : h(row.op === 'ins' ? 'ins' : 'del', {}, p.value))) : row.text;
        return h('div', { class: `line ${row.op}` }, sign, body);
      }),
    );
  }

  window.addEventListener('hashchange', () => {
    clearNotice();
    void render();
  });
  void render();
})();
