// The call board: loads calls and leads from the JSON APIs, then follows /events (Server-Sent Events) to move
// calls from ringing to in conversation to finished, and pops the caller's card up when an agent answers.
'use strict';

(function callBoard() {
  const FINISHED_SHOWN = 12;
  const POP_LINGER_MS = 6000;

  /** uid -> call row (as /api/calls and the `call` event give it). */
  const calls = new Map();
  /** phone -> lead row. */
  const leads = new Map();
  let stats = null;
  let pop = null;
  let popHideTimer = null;

  const $ = (selector) => document.querySelector(selector);
  const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);

  /** Creates an element with a class and children (strings become text: nothing is parsed as HTML). */
  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
    }
    return node;
  }

  function withTestId(node, id) {
    node.dataset.testid = id;
    return node;
  }

  /** `+919711636496` -> `+91 97116 36496`; anything else as it is. */
  function formatPhone(value) {
    if (!value) return 'Unknown number';
    const india = /^\+91(\d{5})(\d{5})$/.exec(value);
    if (india) return `+91 ${india[1]} ${india[2]}`;
    const other = /^\+(\d{1,3})(\d{3})(\d{3})(\d+)$/.exec(value);
    return other ? `+${other[1]} ${other[2]} ${other[3]} ${other[4]}` : value;
  }

  /** Seconds -> `m:ss` (or `h:mm:ss`). */
  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '–';
    const total = Math.max(0, Math.round(seconds));
    const h = Math.floor(total / 3600);
    const m = Math.floor(total / 60) % 60;
    const s = String(total % 60).padStart(2, '0');
    return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
  }

  function formatTime(iso) {
    if (!iso) return '–';
    const date = new Date(iso);
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  function formatDateTime(iso) {
    if (!iso) return '–';
    const date = new Date(iso);
    const today = new Date().toDateString() === date.toDateString();
    return today
      ? `Today ${formatTime(iso)}`
      : date.toLocaleString([], { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  }

  const OUTCOMES = {
    answered: 'Answered',
    missed: 'Missed',
    rejected: 'Rejected',
    no_answer: 'No answer',
    in_progress: 'In progress',
  };

  function outcomeBadge(outcome) {
    const badge = el('span', `badge badge-${outcome}`, OUTCOMES[outcome] || outcome);
    return withTestId(badge, 'call-outcome');
  }

  function agentLabel(call) {
    if (call.agent_name) return call.agent_name;
    if (call.answered_by) return formatPhone(normalisePhone(call.answered_by));
    return null;
  }

  /** The agent's number as the app stores it may lack its `+` and country code. */
  function normalisePhone(value) {
    const digits = String(value).replace(/\D/g, '');
    if (String(value).trim().startsWith('+')) return `+${digits}`;
    if (digits.length === 10) return `+91${digits}`;
    if (digits.length === 12 && digits.startsWith('91')) return `+${digits}`;
    return value;
  }

  function leadLine(lead, call) {
    if (!lead) {
      return call && call.direction === 'outgoing'
        ? el('span', 'badge badge-muted', 'Outgoing call')
        : el('span', 'badge badge-muted', 'Not in CRM');
    }
    const isNew = lead.first_call_uid === (call && call.uid);
    return el(
      'span',
      'lead-line',
      el('span', `badge ${isNew ? 'badge-new' : 'badge-lead'}`, isNew ? 'New lead' : `Lead #${lead.id}`),
      isNew ? `#${lead.id}, created by this call` : `${lead.calls} call${lead.calls === 1 ? '' : 's'} from this number`,
    );
  }

  function callCard(call) {
    const card = withTestId(el('article', 'card'), 'call-card');
    card.dataset.uid = call.uid;
    card.dataset.status = call.status;
    card.dataset.outcome = call.outcome;

    const outgoing = call.direction === 'outgoing';
    const direction = el('span', `direction ${outgoing ? 'outgoing' : 'incoming'}`, outgoing ? '↗' : '↙');
    direction.title = outgoing ? 'Outgoing call' : 'Incoming call';
    const caller = withTestId(el('span', 'caller', formatPhone(call.caller)), 'call-caller');
    caller.dataset.e164 = call.caller || '';
    const top = el('div', 'card-top', direction, caller);
    if (call.status !== 'finished') {
      const timer = withTestId(el('span', 'timer', formatDuration(secondsSince(call.status_since))), 'call-timer');
      timer.dataset.since = call.status_since;
      top.append(timer);
    }
    card.append(top);

    card.append(el('div', 'card-line', leadLine(call.lead, call)));

    const agent = agentLabel(call);
    let agentLine;
    if (call.status === 'ringing') {
      agentLine = el('span', null, outgoing ? 'Calling the customer…' : 'Dialling agents…');
    } else if (call.status === 'in_conversation') {
      agentLine = el('span', null, 'Talking with ', el('strong', null, agent || 'an agent'));
    } else if (agent) {
      agentLine = el('span', null, 'Answered by ', el('strong', null, agent));
    } else {
      agentLine = el('span', null, outgoing ? 'Customer did not pick up' : 'No agent picked up');
    }
    card.append(el('div', 'card-line', withTestId(agentLine, 'call-agent')));

    const meta = el('div', 'card-meta', el('span', 'mono', call.uid));
    if (call.status === 'finished') {
      const line = el('div', 'card-line', outcomeBadge(call.outcome));
      line.append(
        el(
          'span',
          'durations',
          withTestId(el('span', null, 'Ring ', el('b', null, formatDuration(call.ring_seconds))), 'call-ring'),
          withTestId(el('span', null, 'Talk ', el('b', null, formatDuration(call.talk_seconds))), 'call-talk'),
        ),
      );
      card.append(line);
      meta.append(el('span', null, formatTime(call.started_at)));
    } else {
      meta.append(el('span', null, `since ${formatTime(call.status_since)}`));
    }
    card.append(meta);
    return card;
  }

  function secondsSince(iso) {
    return iso ? (Date.now() - new Date(iso).getTime()) / 1000 : 0;
  }

  function sortedCalls() {
    return [...calls.values()];
  }

  const startedTime = (call) => new Date(call.started_at || call.created_at).getTime();
  const updatedTime = (call) => new Date(call.updated_at).getTime();

  function renderBoard() {
    const all = sortedCalls();
    const ringing = all.filter((call) => call.status === 'ringing').sort((a, b) => startedTime(a) - startedTime(b));
    const talking = all
      .filter((call) => call.status === 'in_conversation')
      .sort((a, b) => startedTime(a) - startedTime(b));
    const finished = all.filter((call) => call.status === 'finished').sort((a, b) => updatedTime(b) - updatedTime(a));

    fill('column-ringing', ringing, 'No calls ringing');
    fill('column-in-conversation', talking, 'Nobody on a call');
    fill('column-finished', finished.slice(0, FINISHED_SHOWN), 'No finished calls yet');
    byTestId('count-ringing').textContent = ringing.length;
    byTestId('count-in-conversation').textContent = talking.length;
    byTestId('count-finished').textContent = finished.length;
    byTestId('getting-started').hidden = all.length > 0;
  }

  /** uid -> { key, node }: cards are rebuilt only when their call changed, and animate only when they arrive. */
  const renderedCards = new Map();

  function cardFor(call) {
    const key = `${call.version}:${call.status}:${call.lead ? call.lead.calls : 0}`;
    const known = renderedCards.get(call.uid);
    if (known && known.key === key) return known.node;
    const node = callCard(call);
    if (!known || known.status !== call.status) {
      node.classList.add('card-enter');
      node.addEventListener('animationend', () => node.classList.remove('card-enter'), { once: true });
    }
    renderedCards.set(call.uid, { key, node, status: call.status });
    return node;
  }

  function fill(testId, list, emptyText) {
    const column = byTestId(testId);
    column.dataset.empty = emptyText;
    const nodes = list.map(cardFor);
    const same = nodes.length === column.children.length && nodes.every((node, i) => column.children[i] === node);
    if (!same) column.replaceChildren(...nodes);
  }

  function renderHistory() {
    const body = $('[data-testid="history-table"] tbody');
    const rows = sortedCalls().sort((a, b) => startedTime(b) - startedTime(a));
    body.replaceChildren(
      ...rows.map((call) => {
        const row = withTestId(el('tr'), 'history-row');
        row.dataset.uid = call.uid;
        const lead = call.lead ? el('span', 'badge badge-lead', `#${call.lead.id}`) : el('span', 'muted', '–');
        const status =
          call.status === 'finished'
            ? outcomeBadge(call.outcome)
            : el('span', 'badge badge-in_progress', call.status === 'ringing' ? 'Ringing' : 'In conversation');
        row.append(
          el('td', null, formatDateTime(call.started_at)),
          el('td', null, call.direction === 'outgoing' ? '↗ Outgoing' : '↙ Incoming'),
          el('td', 'caller-cell', formatPhone(call.caller)),
          el('td', null, lead),
          el('td', null, status),
          el('td', null, agentLabel(call) || '–'),
          el('td', 'num', formatDuration(call.ring_seconds)),
          el('td', 'num', formatDuration(call.talk_seconds)),
          el('td', 'num', call.events),
          el('td', 'mono', call.uid),
        );
        return row;
      }),
    );
    byTestId('history-empty').hidden = rows.length > 0;
  }

  function renderLeads() {
    const body = $('[data-testid="leads-table"] tbody');
    const rows = [...leads.values()].sort((a, b) => b.id - a.id);
    body.replaceChildren(
      ...rows.map((lead) => {
        const row = withTestId(el('tr'), 'lead-row');
        row.dataset.phone = lead.phone;
        row.append(
          el('td', null, el('span', 'badge badge-lead', `#${lead.id}`), ' ', lead.name || 'New lead'),
          el('td', 'caller-cell', formatPhone(lead.phone)),
          el('td', null, lead.source),
          el('td', null, el('span', 'badge badge-new', lead.status)),
          el('td', 'num', lead.calls),
          el('td', null, formatDateTime(lead.created_at)),
          el('td', null, formatDateTime(lead.last_call_at)),
        );
        return row;
      }),
    );
    byTestId('leads-empty').hidden = rows.length > 0;
  }

  function renderStats() {
    if (!stats) return;
    const outcomes = stats.outcomes || {};
    byTestId('stat-webhooks').textContent = stats.webhooks;
    byTestId('stat-duplicates').textContent = stats.duplicates;
    byTestId('stat-calls').textContent = stats.calls;
    byTestId('stat-answered').textContent = outcomes.answered || 0;
    byTestId('stat-unanswered').textContent =
      (outcomes.missed || 0) + (outcomes.rejected || 0) + (outcomes.no_answer || 0);
    byTestId('stat-leads').textContent = stats.leads;
  }

  let renderQueued = false;
  function render() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      renderBoard();
      renderHistory();
      renderLeads();
      renderStats();
      renderPop();
    });
  }

  /** Keeps the newest version of a call (an API snapshot and a live event may cross). */
  function mergeCall(call) {
    const known = calls.get(call.uid);
    if (known && known.version > call.version) return;
    calls.set(call.uid, call);
    if (call.lead) leads.set(call.lead.phone, call.lead);
  }

  // Screen-pop
  function showPop(data) {
    pop = data;
    clearTimeout(popHideTimer);
    popHideTimer = null;
    render();
  }

  function renderPop() {
    const card = byTestId('screen-pop');
    if (!pop) {
      card.hidden = true;
      return;
    }
    const call = calls.get(pop.uid);
    const lead = (call && call.lead) || pop.lead;
    const caller = byTestId('screen-pop-caller');
    caller.textContent = formatPhone(pop.caller);
    caller.dataset.e164 = pop.caller || '';
    const leadNode = byTestId('screen-pop-lead');
    const earlier = pop.previousCalls;
    const history =
      earlier === 0
        ? 'First call from this number'
        : `${earlier} earlier call${earlier === 1 ? '' : 's'} with this number`;
    if (lead) {
      const isNew = lead.first_call_uid === pop.uid;
      leadNode.replaceChildren(
        el(
          'div',
          'pop-lead-row',
          el('span', `badge ${isNew ? 'badge-new' : 'badge-lead'}`, `Lead #${lead.id}`),
          lead.name || (isNew ? 'New lead, created by this call' : 'Known lead'),
        ),
        el('div', 'pop-history', history),
      );
    } else {
      leadNode.replaceChildren(
        el(
          'div',
          'pop-lead-row',
          el('span', 'badge badge-muted', pop.direction === 'outgoing' ? 'Outgoing call' : 'Not in CRM'),
        ),
        el('div', 'pop-history', history),
      );
    }
    const agent = (call && agentLabel(call)) || pop.agentName || (pop.agent ? formatPhone(pop.agent) : 'an agent');
    byTestId('screen-pop-agent').replaceChildren('Answered by ', el('strong', null, agent));
    byTestId('screen-pop-uid').textContent = pop.uid || '';
    const timer = byTestId('screen-pop-timer');
    const finished = call && call.status === 'finished';
    timer.dataset.since = finished ? '' : (call && call.status_since) || pop.receivedAt;
    timer.textContent = finished
      ? `Call ended · ${formatDuration(call.talk_seconds)}`
      : formatDuration(secondsSince(timer.dataset.since));
    card.querySelector('.pop-badge').textContent = finished ? 'Finished' : 'Answered';
    card.dataset.uid = pop.uid || '';
    card.hidden = false;
    if (finished && popHideTimer === null) {
      popHideTimer = setTimeout(() => {
        popHideTimer = null;
        pop = null;
        render();
      }, POP_LINGER_MS);
    }
  }

  byTestId('screen-pop-close').addEventListener('click', () => {
    pop = null;
    clearTimeout(popHideTimer);
    popHideTimer = null;
    render();
  });

  // Live timers: only their text changes every second.
  setInterval(() => {
    for (const node of document.querySelectorAll('[data-since]')) {
      if (node.dataset.since) node.textContent = formatDuration(secondsSince(node.dataset.since));
    }
  }, 1000);

  // Tabs
  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => {
      for (const other of document.querySelectorAll('.tab')) other.setAttribute('aria-selected', String(other === tab));
      for (const view of document.querySelectorAll('.view')) view.hidden = view.id !== `view-${tab.dataset.view}`;
    });
  }

  // Data
  async function getJson(path) {
    const response = await fetch(path, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return response.json();
  }

  async function loadAll() {
    const [callList, leadList, totals] = await Promise.all([
      getJson('/api/calls?limit=200'),
      getJson('/api/leads'),
      getJson('/api/stats'),
    ]);
    for (const call of callList.calls) mergeCall(call);
    for (const lead of leadList.leads) leads.set(lead.phone, lead);
    stats = totals;
    render();
  }

  let leadsRefresh = null;
  function refreshLeadsSoon() {
    if (leadsRefresh) return;
    leadsRefresh = setTimeout(async () => {
      leadsRefresh = null;
      try {
        const leadList = await getJson('/api/leads');
        for (const lead of leadList.leads) leads.set(lead.phone, lead);
        render();
      } catch {
        // the next event tries again
      }
    }, 300);
  }

  function setLive(state, text) {
    const node = byTestId('live-status');
    node.dataset.state = state;
    node.textContent = text;
  }

  $('#simulate-command').textContent =
    `npx myoperator-webhooks simulate answered --url ${location.origin}/myoperator/incall ` +
    `--header "x-myoperator-token: demo-secret" --delay 1000`;

  const source = new EventSource('/events');
  source.addEventListener('open', () => {
    setLive('live', 'Live');
    loadAll().catch(() => setLive('error', 'Could not load calls'));
  });
  source.addEventListener('error', () => setLive('connecting', 'Reconnecting…'));
  source.addEventListener('call', (message) => {
    mergeCall(JSON.parse(message.data));
    render();
  });
  source.addEventListener('stats', (message) => {
    const next = JSON.parse(message.data);
    if (!stats || next.leads !== stats.leads) refreshLeadsSoon();
    stats = next;
    render();
  });
  source.addEventListener('screen-pop', (message) => {
    const data = JSON.parse(message.data);
    data.receivedAt = new Date().toISOString();
    showPop(data);
  });
})();
