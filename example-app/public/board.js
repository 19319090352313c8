// The call board: loads calls, agents and leads from the JSON APIs, then follows /events (Server-Sent Events) to
// move calls from ringing to in conversation to finished, keep the agents panel current, pop the caller's card up
// when an agent answers, and keep the health strip (from the app's metrics) current.
'use strict';

(function callBoard() {
  const FINISHED_SHOWN = 15;
  const POP_LINGER_MS = 6000;

  /** uid -> call row (as /api/calls and the `call` event give it). */
  const calls = new Map();
  /** phone -> lead row. */
  const leads = new Map();
  /** phone (E.164) -> agent row (as /api/agents and the `agents` event give it). */
  const agents = new Map();
  let agentOrder = [];
  let stats = null;
  /** The health strip's numbers (as /api/health and the `health` event give them). */
  let health = null;
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
    const total = Math.max(0, Math.floor(seconds));
    const h = Math.floor(total / 3600);
    const m = Math.floor(total / 60) % 60;
    const s = String(total % 60).padStart(2, '0');
    return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
  }

  function formatTime(iso) {
    if (!iso) return '–';
    return new Date(iso).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit', second: '2-digit' });
  }

  /** The date and the time: `21 Nov, 14:03:12` (in the browser's locale). */
  function formatDateTime(iso) {
    if (!iso) return '–';
    const date = new Date(iso);
    return `${date.toLocaleDateString([], { day: 'numeric', month: 'short' })}, ${formatTime(iso)}`;
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

  /** An agent's name when the app knows it, else their number. */
  function agentName(phone) {
    if (!phone) return null;
    const agent = agents.get(phone);
    return (agent && agent.name) || formatPhone(phone);
  }

  function agentLabel(call) {
    if (call.agent_name) return call.agent_name;
    return call.answered_by ? agentName(call.answered_by) : null;
  }

  /** The agents a ringing call dials, by name. */
  function dialledNames(call) {
    let phones = [];
    try {
      phones = call.dialing ? JSON.parse(call.dialing) : [];
    } catch {
      phones = [];
    }
    return phones.map(agentName).join(', ');
  }

  /**
   * When a state began, from the call's own event time; the arrival when the event time is missing or ahead of
   * this clock (a simulator that does not follow the real clock), so that timers never count down.
   */
  function sinceOf(eventTime, fallback) {
    if (eventTime && new Date(eventTime).getTime() <= Date.now() + 1000) return eventTime;
    return fallback;
  }

  function timerSince(call) {
    if (call.status === 'ringing') return sinceOf(call.started_at, call.status_since);
    return sinceOf(call.answered_at, call.status_since);
  }

  function leadLine(lead, call) {
    if (!lead) {
      return call && call.direction === 'outgoing'
        ? el('span', 'badge badge-muted', 'Outgoing call')
        : el('span', 'badge badge-muted', 'Not in CRM');
    }
    const isNew = lead.first_call_uid === (call && call.uid);
    if (isNew) {
      return el('span', 'lead-line', el('span', 'badge badge-new', `New lead #${lead.id}`), 'created by this call');
    }
    return el(
      'span',
      'lead-line',
      el('span', 'badge badge-lead', `Lead #${lead.id}`),
      `${lead.calls} call${lead.calls === 1 ? '' : 's'} with this number`,
    );
  }

  function agentLine(call) {
    const outgoing = call.direction === 'outgoing';
    const agent = agentLabel(call);
    if (call.status === 'ringing') {
      const dialled = dialledNames(call);
      if (outgoing)
        return el('span', null, dialled ? el('strong', null, dialled) : 'An agent', ' calling the customer…');
      return dialled ? el('span', null, 'Ringing ', el('strong', null, dialled), '…') : el('span', null, 'In the IVR…');
    }
    if (call.status === 'in_conversation')
      return el('span', null, 'Talking with ', el('strong', null, agent || 'an agent'));
    if (agent) return el('span', null, 'Answered by ', el('strong', null, agent));
    if (call.outcome === 'rejected') return el('span', null, 'The customer rejected the call');
    return el('span', null, outgoing ? 'The customer did not pick up' : 'No agent picked up');
  }

  function callCard(call) {
    const card = withTestId(el('article', 'card'), 'call-card');
    card.dataset.uid = call.uid;
    card.dataset.status = call.status;
    card.dataset.outcome = call.outcome;
    if (call.ended_at) card.dataset.endedAt = call.ended_at;

    const outgoing = call.direction === 'outgoing';
    const direction = el('span', `direction ${outgoing ? 'outgoing' : 'incoming'}`, outgoing ? '↗' : '↙');
    direction.title = outgoing ? 'Outgoing call' : 'Incoming call';
    const caller = withTestId(el('span', 'caller', formatPhone(call.caller)), 'call-caller');
    caller.dataset.e164 = call.caller || '';
    const top = el('div', 'card-top', direction, caller);
    if (call.status !== 'finished') {
      const since = timerSince(call);
      const timer = withTestId(el('span', 'timer', formatDuration(secondsSince(since))), 'call-timer');
      timer.dataset.since = since;
      top.append(timer);
    }
    card.append(top);
    card.append(el('div', 'card-line', leadLine(call.lead, call)));
    card.append(el('div', 'card-line', withTestId(agentLine(call), 'call-agent')));

    const meta = el('div', 'card-meta');
    if (call.status === 'finished') {
      const line = el('div', 'card-line', outcomeBadge(call.outcome));
      line.append(
        el(
          'span',
          'durations',
          withTestId(el('span', null, 'Ring ', el('b', null, formatDuration(call.ring_seconds))), 'call-ring'),
          call.talk_seconds === null
            ? null
            : withTestId(el('span', null, 'Talk ', el('b', null, formatDuration(call.talk_seconds))), 'call-talk'),
        ),
      );
      card.append(line);
      meta.append(
        withTestId(el('span', 'when', `Ended ${formatDateTime(call.ended_at || call.updated_at)}`), 'call-ended'),
      );
    } else {
      meta.append(el('span', 'when', `Started ${formatDateTime(call.started_at || call.created_at)}`));
    }
    const uid = withTestId(el('span', 'uid', call.uid), 'call-uid');
    uid.title = `uid ${call.uid}`;
    meta.append(uid);
    card.append(meta);
    return card;
  }

  function secondsSince(iso) {
    return iso ? (Date.now() - new Date(iso).getTime()) / 1000 : 0;
  }

  const time = (iso) => (iso ? new Date(iso).getTime() : 0);
  const startedTime = (call) => time(call.started_at || call.created_at);
  /** Finished calls by when they ended (the time they show), the latest first. */
  const endedTime = (call) => time(call.ended_at || call.updated_at);

  function renderBoard() {
    const all = [...calls.values()];
    const ringing = all.filter((call) => call.status === 'ringing').sort((a, b) => startedTime(a) - startedTime(b));
    const talking = all
      .filter((call) => call.status === 'in_conversation')
      .sort((a, b) => startedTime(a) - startedTime(b));
    const finished = all
      .filter((call) => call.status === 'finished')
      .sort((a, b) => endedTime(b) - endedTime(a) || time(b.updated_at) - time(a.updated_at));

    fill('column-ringing', ringing, 'No calls ringing');
    fill('column-in-conversation', talking, 'Nobody on a call');
    fill('column-finished', finished.slice(0, FINISHED_SHOWN), 'No finished calls yet');
    byTestId('count-ringing').textContent = ringing.length;
    byTestId('count-in-conversation').textContent = talking.length;
    byTestId('count-finished').textContent = finished.length;
    byTestId('getting-started').hidden = all.length > 0;
  }

  /** uid -> { key, node }: cards are rebuilt only when what they show changed, and animate only when they arrive. */
  const renderedCards = new Map();

  function cardFor(call) {
    const key = [
      call.version,
      call.status,
      call.lead ? `${call.lead.id}:${call.lead.calls}` : '',
      agentLabel(call),
      call.status === 'ringing' ? dialledNames(call) : '',
    ].join('|');
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

  const AGENT_STATES = { talking: 'Talking', ringing: 'Ringing', free: 'Free' };

  function initials(name) {
    if (!name) return '#';
    const words = name.trim().split(/\s+/);
    return ((words[0] || '')[0] + ((words.length > 1 && words[words.length - 1][0]) || '')).toUpperCase();
  }

  function agentItem(agent) {
    const item = withTestId(el('li', 'agent'), 'agent');
    item.dataset.phone = agent.phone;
    item.dataset.state = agent.state;
    const call = agent.call;
    const outgoing = call && call.direction === 'outgoing';
    const stateText = agent.state === 'ringing' && outgoing ? 'Calling' : AGENT_STATES[agent.state];
    const state = el('span', 'agent-status', withTestId(el('span', 'agent-state', stateText), 'agent-state'));
    if (call) {
      const since = sinceOf(call.since, null);
      const timer = withTestId(el('span', 'agent-timer', formatDuration(secondsSince(since))), 'agent-timer');
      if (since) timer.dataset.since = since;
      state.append(timer);
    }
    let detail;
    if (agent.state === 'talking') detail = `with ${formatPhone(call.caller)}`;
    else if (agent.state === 'ringing') detail = outgoing ? `to ${formatPhone(call.caller)}` : formatPhone(call.caller);
    else detail = `${agent.answered} answered`;
    item.append(
      el('span', 'avatar', initials(agent.name)),
      el(
        'span',
        'agent-main',
        withTestId(el('span', 'agent-name', agent.name || formatPhone(agent.phone)), 'agent-name'),
        el('span', 'agent-detail', detail),
      ),
      state,
    );
    return item;
  }

  /** phone -> { key, node }: an agent's row is rebuilt only when what it shows changed. */
  const renderedAgents = new Map();

  function agentNode(agent) {
    const key = JSON.stringify(agent);
    const known = renderedAgents.get(agent.phone);
    if (known && known.key === key) return known.node;
    const node = agentItem(agent);
    renderedAgents.set(agent.phone, { key, node });
    return node;
  }

  function renderAgents() {
    const list = byTestId('agents');
    const rows = agentOrder.map((phone) => agents.get(phone)).filter(Boolean);
    const nodes = rows.map(agentNode);
    const same = nodes.length === list.children.length && nodes.every((node, i) => list.children[i] === node);
    if (!same) list.replaceChildren(...nodes);
    const count = (state) => rows.filter((agent) => agent.state === state).length;
    byTestId('agents-summary').textContent =
      rows.length === 0 ? '' : `${count('talking')} talking · ${count('ringing')} ringing · ${count('free')} free`;
  }

  function setAgents(list) {
    agents.clear();
    for (const agent of list) agents.set(agent.phone, agent);
    agentOrder = list.map((agent) => agent.phone);
  }

  function renderHistory() {
    const body = $('[data-testid="history-table"] tbody');
    const rows = [...calls.values()].sort((a, b) => startedTime(b) - startedTime(a));
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
          el('td', null, call.status === 'finished' ? formatDateTime(call.ended_at) : '–'),
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

  function renderHealth() {
    if (!health) return;
    const strip = byTestId('health');
    byTestId('health-events').textContent = health.eventsPerMinute;
    byTestId('health-duplicates').textContent = health.duplicates;
    byTestId('health-duplicates-label').textContent = health.duplicates === 1 ? 'duplicate' : 'duplicates';
    byTestId('health-failures').textContent = health.failures;
    byTestId('health-failures-label').textContent = health.failures === 1 ? 'failure' : 'failures';
    strip.dataset.state = health.failures > 0 ? 'failing' : 'ok';
  }

  let renderQueued = false;
  function render() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      renderBoard();
      renderAgents();
      renderHistory();
      renderLeads();
      renderStats();
      renderHealth();
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

  const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;

  /** What the CRM knows of the caller's history: calls from the number and calls to it, apart. */
  function historyLine(earlier) {
    const incoming = (earlier && earlier.incoming) || 0;
    const outgoing = (earlier && earlier.outgoing) || 0;
    const to = outgoing > 0 ? ` · ${plural(outgoing, 'earlier call')} to it` : '';
    if (incoming === 0) return outgoing === 0 ? 'First call with this number' : `First call from this number${to}`;
    return `${plural(incoming, 'earlier call')} from this number${outgoing > 0 ? ` · ${outgoing} to it` : ''}`;
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
    const isNew = Boolean(lead) && lead.first_call_uid === pop.uid;
    if (lead) {
      leadNode.replaceChildren(
        el(
          'div',
          'pop-lead-row',
          el(
            'span',
            `badge ${isNew ? 'badge-new' : 'badge-lead'}`,
            isNew ? `New lead #${lead.id}` : `Lead #${lead.id}`,
          ),
          lead.name || (isNew ? 'Created by this call' : 'Known caller'),
        ),
        el('div', 'pop-history', historyLine(pop.earlier)),
      );
    } else {
      leadNode.replaceChildren(
        el(
          'div',
          'pop-lead-row',
          el('span', 'badge badge-muted', pop.direction === 'outgoing' ? 'Outgoing call' : 'Not in CRM'),
        ),
        el('div', 'pop-history', historyLine(pop.earlier)),
      );
    }
    const agent = (call && agentLabel(call)) || pop.agentName || (pop.agent ? agentName(pop.agent) : 'an agent');
    byTestId('screen-pop-agent').replaceChildren('Answered by ', el('strong', null, agent));
    byTestId('screen-pop-uid').textContent = pop.uid || '';
    const timer = byTestId('screen-pop-timer');
    const finished = call && call.status === 'finished';
    timer.dataset.since = finished ? '' : sinceOf(pop.answeredAt, pop.receivedAt);
    timer.textContent = finished
      ? `Call ended · ${formatDuration(call.talk_seconds)}`
      : formatDuration(secondsSince(timer.dataset.since));
    card.querySelector('.pop-badge').textContent = finished ? 'Finished' : 'Answered';
    card.dataset.uid = pop.uid || '';
    card.dataset.state = finished ? 'finished' : 'answered';
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
    const [callList, agentList, leadList, totals, now] = await Promise.all([
      getJson('/api/calls?limit=200'),
      getJson('/api/agents'),
      getJson('/api/leads'),
      getJson('/api/stats'),
      getJson('/api/health'),
    ]);
    for (const call of callList.calls) mergeCall(call);
    setAgents(agentList.agents);
    for (const lead of leadList.leads) leads.set(lead.phone, lead);
    stats = totals;
    health = now;
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
    `--header "my-super-secret-token: abc123def" --delay 1000`;

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
  source.addEventListener('agents', (message) => {
    setAgents(JSON.parse(message.data));
    render();
  });
  source.addEventListener('stats', (message) => {
    const next = JSON.parse(message.data);
    if (!stats || next.leads !== stats.leads) refreshLeadsSoon();
    stats = next;
    render();
  });
  source.addEventListener('health', (message) => {
    health = JSON.parse(message.data);
    render();
  });
  source.addEventListener('screen-pop', (message) => {
    const data = JSON.parse(message.data);
    data.receivedAt = new Date().toISOString();
    showPop(data);
  });
})();
