'use strict';
// The operator's console: the admin APIs of this proxy, polled every two seconds. Everything from the server is put
// into the page as text (never as HTML), and nothing runs inline, so the page keeps to its Content-Security-Policy.

const API = '../..'; // this page is /as/v1/admin/ui/: the APIs are /as/v1/...
const TOKEN_KEY = 'smproxy.adminToken';
const POLL_MS = 2000;
let timer = null;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

class Unauthorized extends Error {}

async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + token() };
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(API + path, {
    method, headers, cache: 'no-store', body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401) throw new Unauthorized();
  const text = await res.text();
  const answer = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error((answer && (answer.error || answer.errorMessage)) || method + ' ' + path + ': ' + res.status);
  return answer;
}

function confirmed(text) {
  const d = $('confirm');
  $('confirm-text').textContent = text;
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    d.returnValue = 'cancel';
    d.showModal();
  });
}

async function act(question, method, path, body) {
  if (!(await confirmed(question))) return;
  try {
    await api(method, path, body);
    banner(null);
  } catch (e) {
    if (e instanceof Unauthorized) return signedOut('The token was refused (401): sign in again.');
    banner(e.message);
  }
  refresh();
}

function banner(text) {
  $('banner').hidden = !text;
  $('banner').textContent = text || '';
}

function status(text, kind) {
  $('status').textContent = text;
  $('status').className = 'badge ' + (kind || '');
}

function age(ms) {
  if (ms < 1000) return ms + ' ms';
  if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
  return Math.round(ms / 60000) + ' min';
}

function table(headers, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows));
}

function renderNodes(nodes, streamsByNode) {
  const root = $('nodes');
  root.replaceChildren();
  if (nodes.length === 0) {
    root.append(el('p', { class: 'empty', id: 'no-nodes' },
      'No node has reported yet: nodes appear with their first heartbeat (POST /as/v1/nodes/heartbeat) or from the cluster file.'));
    return;
  }
  const groups = new Map();
  for (const n of nodes) {
    const g = groups.get(n.nodeGroup) || new Map();
    const region = n.subGroup || '(no region)';
    (g.get(region) || g.set(region, []).get(region)).push(n);
    groups.set(n.nodeGroup, g);
  }
  for (const [group, regions] of [...groups].sort()) {
    root.append(el('h3', {}, 'node group ' + group));
    for (const [region, list] of [...regions].sort()) {
      const rows = list.sort((a, b) => a.id.localeCompare(b.id)).map((n) => {
        const drained = n.state !== n.reportedState;
        const actions = el('td', {},
          n.state === 'INSERVICE'
            ? el('button', { 'data-drain': n.id, onclick: () => act('Drain ' + n.id + '? It takes no new clients; '
                + 'its sessions go on.', 'PUT', '/admin/nodes/' + encodeURIComponent(n.id) + '/state', { state: 'SOFT_SUNSET' }) }, 'Drain')
            : drained ? el('button', { 'data-undrain': n.id, onclick: () => act('Return ' + n.id + ' to its own state ('
                + n.reportedState + ')?', 'DELETE', '/admin/nodes/' + encodeURIComponent(n.id) + '/state') }, 'Undrain') : null,
          ' ',
          el('button', { class: 'danger', 'data-forget': n.id, onclick: () => act('Forget ' + n.id + '? It comes back '
              + 'with its next heartbeat.', 'DELETE', '/admin/nodes/' + encodeURIComponent(n.id)) }, 'Forget'));
        const load = n.metrics && n.metrics['connections.client'] !== undefined ? n.metrics['connections.client'] : '';
        return el('tr', { 'data-node': n.id },
          el('td', {}, n.id), el('td', {}, n.role),
          el('td', { class: 'state-' + n.state }, n.state,
            drained ? el('span', { class: 'override' }, ' (operator; node says ' + n.reportedState + ')') : null),
          el('td', { class: 'num' }, n.rank + ' / ' + n.limit), el('td', { class: 'num' }, load),
          el('td', { class: 'num' }, n.isStatic && n.heartbeatAgeMs > 3600000 ? 'static' : age(n.heartbeatAgeMs)),
          el('td', { class: 'num' }, streamsByNode.get(n.address) || 0), el('td', {}, n.address), actions);
      });
      root.append(el('div', {}, el('h3', {}, region),
        table(['node', 'role', 'state', 'rank / limit', 'clients', 'heartbeat', 'streams', 'address', ''], rows)));
    }
  }
}

function renderStreams(byGroup) {
  const root = $('streams');
  root.replaceChildren();
  const rows = [];
  for (const [group, entries] of Object.entries(byGroup)) {
    const streams = new Map();
    for (const e of entries) {
      const s = streams.get(e.streamGuid) || { origin: [], edges: [], subscribers: 0 };
      (e.nodeRole === 'edge' ? s.edges : s.origin).push(e.serverAddress);
      s.subscribers += e.subscribers;
      streams.set(e.streamGuid, s);
    }
    for (const [guid, s] of [...streams].sort()) {
      rows.push(el('tr', { 'data-stream': guid }, el('td', {}, group), el('td', {}, guid),
        el('td', {}, s.origin.join(', ')), el('td', {}, s.edges.join(', ') || '-'),
        el('td', { class: 'num' }, s.subscribers)));
    }
  }
  root.append(rows.length ? table(['group', 'stream', 'origin / allinone', 'edges', 'subscribers'], rows)
    : el('p', { class: 'empty', id: 'no-streams' }, 'No stream is live.'));
}

function renderSessions(sessions) {
  const root = $('sessions');
  root.replaceChildren();
  const list = Object.values(sessions).sort((a, b) => a.timestamp - b.timestamp);
  const now = Date.now();
  const rows = list.map((s) => el('tr', { 'data-session': s.sessionId },
    el('td', {}, s.sessionId), el('td', {}, s.streamGuid), el('td', {}, s.status),
    el('td', { class: 'num' }, age(Math.max(0, now - s.timestamp))), el('td', {}, s.replica || ''),
    el('td', {}, el('button', { class: 'danger', 'data-kick': s.sessionId, onclick: () => act('Close session '
        + s.sessionId + ' (' + s.streamGuid + ')?', 'DELETE', '/admin/rtcproxy/' + encodeURIComponent(s.sessionId)) }, 'Kick'))));
  root.append(rows.length ? table(['session', 'stream', 'status', 'open for', 'replica', ''], rows)
    : el('p', { class: 'empty', id: 'no-sessions' }, 'No WebSocket session is being relayed.'));
}

async function refresh() {
  clearTimeout(timer);
  if (!token()) return;
  try {
    const [nodes, streams, sessions, health] = await Promise.all([
      api('GET', '/admin/nodes'), api('GET', '/admin/streams'), api('GET', '/admin/rtcproxy'),
      fetch(API + '/health', { cache: 'no-store' }).then((r) => r.json())]);
    const streamsByNode = new Map();
    for (const entries of Object.values(streams)) {
      for (const e of entries) streamsByNode.set(e.serverAddress, (streamsByNode.get(e.serverAddress) || 0) + 1);
    }
    renderNodes(nodes, streamsByNode);
    renderStreams(streams);
    renderSessions(sessions);
    status(health.status + ' · store ' + health.store.kind + ' ' + health.store.state,
      health.status === 'UP' ? 'ok' : 'warn');
    $('refreshed').textContent = 'updated ' + new Date().toLocaleTimeString();
    document.body.dataset.state = 'live';
  } catch (e) {
    if (e instanceof Unauthorized) return signedOut('The token was refused (401): it may have expired. Sign in again.');
    status('connection lost, retrying', 'bad');
    document.body.dataset.state = 'lost';
  }
  timer = setTimeout(refresh, POLL_MS);
}

function signedOut(why) {
  clearTimeout(timer);
  sessionStorage.removeItem(TOKEN_KEY);
  $('console').hidden = true;
  $('sign-out').hidden = true;
  $('login').hidden = false;
  $('login-error').hidden = !why;
  $('login-error').textContent = why || '';
  status('not signed in');
  document.body.dataset.state = why ? 'refused' : 'signed-out';
}

function signedIn() {
  $('login').hidden = true;
  $('console').hidden = false;
  $('sign-out').hidden = false;
  refresh();
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    signedIn();
  });
  $('sign-out').addEventListener('click', () => signedOut(null));
  if (token()) signedIn(); else signedOut(null);
  window.smproxyReady = true; // for tests driving the page
});
