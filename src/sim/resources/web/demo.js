// The demo page: publish and play through the proxy, over WHIP/WHEP (smproxy-client.js) or Red5's WebSocket
// signalling (smproxy-ws-client.js, SM 2.0 or SM 1.x URL shape), play HLS through it (hls.js, window.Hls, when the
// build packaged it), and show which node of the simulated cluster serves each side. Plain ES module, no build
// step, everything from this origin.
import { publish, play } from './smproxy-client.js';
import { publishWs, playWs } from './smproxy-ws-client.js';

const APP = 'live';
const PROXY_PATH = '/as/v1/proxy/';
/** Requests the signalling log shows: the relays, and the Stream Manager APIs the WebSocket path asks first. */
const LOGGED_PATHS = [PROXY_PATH, '/as/v1/streams/', '/streammanager/api/'];
const SIGNALLING = {
  whip: { label: 'WHIP/WHEP', publish: 'WHIP', play: 'WHEP' },
  ws2: { label: 'WebSocket, SM 2.0 shape', publish: 'WebSocket', play: 'WebSocket' },
  ws1: { label: 'WebSocket, SM 1.x shape', publish: 'WebSocket', play: 'WebSocket' },
};
const NODES_URL = '/demo/nodes.json';
const HLS_START_URL = '/demo/hls';
const ABR_URL = '/demo/abr';
/** Edges report a new stream with their next heartbeat (every second), so a play right after a publish may 404. */
const PLAY_RETRIES = 6;
const RETRY_MS = 1000;

const $ = id => document.getElementById(id);
/**
 * Where the proxy answers: this origin, or, when the page is served beside a load balancer over several replicas
 * (scripts/cluster-demo.sh), the same host on the balancer's port (the proxy allows CORS from any origin).
 */
const PROXY = await proxyOrigin();
let nodeGroup = 'ng1';
let nodesByAddress = new Map();
let nodesById = new Map();
/** Each node's HLS request count at the previous poll, to see which edge serves the HLS player. */
let lastHlsRequests = new Map();

/** One side of the page (publisher or player): its session, its status lines and its buttons. */
class Side {
  constructor(kind, startButton, stopButton, moreStartButtons = []) {
    this.kind = kind;
    this.start = $(startButton);
    this.starts = [this.start, ...moreStartButtons.map($)];
    this.stop = $(stopButton);
    this.node = $(`${kind}-node`);
    this.stats = $(`${kind}-stats`);
    this.url = $(`${kind}-url`);
    this.session = null;
    this.sessionHost = null;
    /** How this side's session signals: a SIGNALLING key; and whether its socket was handed to the data channel. */
    this.mode = 'whip';
    this.switched = false;
    /** HLS play: the stream, and the edge whose HLS request count grows (from nodes.json). */
    this.hlsStream = null;
    this.hlsEdge = null;
    this.lastBytes = null;
    /** Bumped by every start and stop, so an attempt still negotiating knows it was stopped meanwhile. */
    this.generation = 0;
  }

  busy(on) {
    this.generation++;
    this.starts.forEach(b => { b.disabled = on; });
    this.stop.disabled = !on;
  }

  /** OPTIONS answered: the proxy named the node (Session-Host) this attempt will negotiate with. */
  picked(host, generation) {
    if (generation === this.generation) {
      this.sessionHost = host;
      this.say(`The proxy picked ${host}; negotiating…`);
    }
  }

  say(text, error = false) {
    this.node.textContent = text;
    this.node.classList.toggle('error', error);
  }

  /** The live line: the node behind the Session-Host the proxy returned, as the cluster list names it. */
  describeNode() {
    if (this.mode === 'hls' && this.session) {
      const n = this.hlsEdge && nodesById.get(this.hlsEdge);
      const who = n ? `${n.id} (${n.role}, ${n.state}; ${n.hlsRequests} HLS request(s) in all)` : 'an edge the proxy picked';
      this.say(`Playing ${this.hlsStream} over HLS from ${who} — through the proxy's shared cache`);
      return;
    }
    if (!this.sessionHost) {
      return;
    }
    const state = this.session ? this.session.pc.connectionState : 'connecting';
    const n = nodesByAddress.get(this.sessionHost);
    const who = n
      ? `${n.id} (${n.role}, sub-group ${n.subGroup}, ${n.state}; ${n.publishers} publisher(s), ${n.subscribers} subscriber(s))`
      : 'a node the proxy no longer lists';
    const verb = this.kind === 'publish' ? 'Published to' : 'Played from';
    const via = this.mode === 'whip' ? `Session-Host ${this.sessionHost}`
      : `${SIGNALLING[this.mode].label} to ${this.sessionHost}`
        + (this.switched ? ', signalling now on the data channel (socket closed)' : '');
    this.say(`${verb} ${who} — ${via} — WebRTC ${state}`, state === 'failed' || state === 'disconnected');
  }

  async sampleStats() {
    if (!this.session) {
      return;
    }
    const s = await this.session.stats();
    const bytes = this.kind === 'publish' ? s.bytesSent : s.bytesReceived;
    const kbps = this.lastBytes === null ? 0 : Math.max(0, Math.round((bytes - this.lastBytes) * 8 / 1000));
    this.lastBytes = bytes;
    if (this.kind === 'publish') {
      this.stats.textContent = `${s.framesSent} video frames sent, ${kbps} kbit/s`;
    } else if (this.mode === 'hls') {
      this.stats.textContent = `${s.framesDecoded} video frames shown, ${kbps} kbit/s, `
        + `${s.currentTime.toFixed(1)} s played, ${s.fragments} segment(s) loaded`;
    } else {
      const v = $('remote');
      this.stats.textContent = `${s.framesDecoded} video frames decoded, ${kbps} kbit/s`
        + (v.videoWidth ? `, ${v.videoWidth}×${v.videoHeight}` : '');
      showMessages(this.session);
    }
  }

  async hangup() {
    const session = this.session;
    this.session = null;
    this.sessionHost = null;
    this.switched = false;
    this.hlsStream = null;
    this.hlsEdge = null;
    this.lastBytes = null;
    this.stats.textContent = '';
    if (session) {
      await session.hangup();
    }
  }
}

/**
 * A message to every viewer of the stream, as Red5's SDK sends one (send('incomingNotification', {message})): on the
 * WHIP session's red5pro channel, or on the socket (or its data channel after the hand-off).
 */
function sendToViewers(text) {
  const s = pub.session;
  const message = { send: { method: 'incomingNotification', data: { message: text } } };
  if (!s) return false;
  if (typeof s.sendOnChannel === 'function') return s.sendOnChannel(JSON.stringify(message));
  s.send(message);
  return true;
}

/** What the player's node relayed of the publisher's messages: Red5's metadata frames, and raw text as it came. */
function showMessages(session) {
  const raw = session.channelMessages
    || (session.frames || []).filter(f => f.type === 'metadata').map(f => JSON.stringify(f));
  const list = $('messages');
  for (let i = list.children.length; i < raw.length; i++) {
    let text = raw[i];
    try {
      const m = JSON.parse(raw[i]);
      if (m.type === 'metadata') text = `${m.method}: ${typeof m.data === 'object' ? (m.data.message ?? JSON.stringify(m.data)) : m.data}`;
    } catch (e) { /* not JSON: shown as it came */ }
    const li = document.createElement('li');
    li.textContent = text;
    list.appendChild(li);
  }
}

const pub = new Side('publish', 'publish', 'unpublish');
const player = new Side('play', 'play', 'stop', ['play-hls', 'play-hls-pattern']);
let localMedia = null;
let stopPattern = null;

function streamName() {
  const input = $('stream');
  const name = input.value.trim();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    input.focus();
    throw new Error('A stream name is letters, digits, "_" or "-".');
  }
  return name;
}

function endpoint(kind, name) {
  return `${PROXY}${PROXY_PATH}${kind}/${APP}/${name}`;
}

function signalling() {
  return $('signalling').value;
}

/** Button captions follow the chosen signalling (the page's initial HTML says WHIP/WHEP). */
function labelButtons() {
  const s = SIGNALLING[signalling()];
  $('publish').textContent = `Publish camera (${s.publish})`;
  $('play').textContent = `Play (${s.play})`;
}

/**
 * The WebSocket path asks the Stream Manager API for the node first, as Red5's clients do: SM 2.0's Streams API
 * or SM 1.x's event API. Errors carry the status (404: no edge carries the stream yet).
 */
async function lookupNode(kind, mode, name) {
  const url = PROXY + (mode === 'ws2'
    ? `/as/v1/streams/stream/${nodeGroup}/${kind}/${APP}/${name}`
    : `/streammanager/api/4.0/event/${APP}/${name}?action=${kind === 'publish' ? 'broadcast' : 'subscribe'}`);
  const res = await fetch(url, { cache: 'no-store' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = new Error(`${url} answered ${res.status}: ${body.error || body.errorMessage || res.statusText}`);
    e.status = res.status;
    throw e;
  }
  return (Array.isArray(body) ? body[0] : body).serverAddress;
}

/** The proxy's socket for that node: SM 2.0 /as/v1/proxy/ws/<action>/<app>/<stream>, or SM 1.x /streammanager/. */
function socketUrl(kind, mode, name, host, id) {
  const base = PROXY.replace(/^http/, 'ws');
  const node = encodeURIComponent(host);
  return mode === 'ws2'
    ? `${base}/as/v1/proxy/ws/${kind === 'publish' ? 'publish' : 'subscribe'}/${APP}/${name}?id=${id}&host=${node}`
    : `${base}/streammanager/?id=${id}&host=${node}&app=${APP}`;
}

/** What the socket carries, in the signalling log: verbs and status codes, not SDP or every candidate. */
function socketLog(side) {
  const tag = side.kind === 'publish' ? 'publisher' : 'player';
  return {
    onSend: m => {
      const verb = Object.keys(m)[0];
      if (verb === 'handleCandidate') {
        if (!m.data?.candidate?.candidate) addLog(`${tag} socket → handleCandidate (end of candidates)`, false);
        return;
      }
      addLog(`${tag} socket → ${verb}`, false);
    },
    onFrame: f => {
      const d = f.data || {};
      if (d.code) addLog(`${tag} socket ← ${d.code}${d.message ? ` "${d.message}"` : ''}`, d.type === 'error');
      else if (d.sdp) addLog(`${tag} socket ← ${d.sdp.type}`, false);
      else if ('isAvailable' in f) addLog(`${tag} socket ← isAvailable: ${f.isAvailable}`, false);
    },
  };
}

/** A WebSocket session for one side: look the node up, open the proxy's socket to it, negotiate. */
async function startSocket(side, mode, name, generation, options) {
  side.say('Asking the Stream Manager API for a node…');
  const host = await lookupNode(side.kind === 'publish' ? 'publish' : 'subscribe', mode, name);
  side.picked(host, generation);
  const id = side.kind === 'publish' ? name : `subscriber-${Math.random().toString(16).slice(2, 10)}`;
  const url = socketUrl(side.kind, mode, name, host, id);
  side.url.textContent = `WebSocket: ${url}`;
  addLog(`${side.kind === 'publish' ? 'publisher' : 'player'} socket open ${shorten(url)}`, false);
  const start = side.kind === 'publish' ? publishWs : playWs;
  const session = await start(url, { streamName: name, subscriptionId: id, ...options, ...socketLog(side) });
  // By generation, not by side.session: the hand-off can complete before this function returns and the caller
  // stores the session, and the page would then never say that signalling moved to the data channel.
  session.switched.then(() => {
    if (side.generation === generation) {
      side.switched = true;
      addLog(`${side.kind === 'publish' ? 'publisher' : 'player'} socket closed after switchChannel:`
        + ' signalling goes on over the data channel, media keeps flowing', false);
      side.describeNode();
    }
  });
  return session;
}

async function startPublish() {
  pub.busy(true);
  const generation = pub.generation;
  try {
    let name = streamName();
    const mode = signalling();
    pub.mode = mode;
    const abr = $('abr').checked;
    if (abr) {
      if (mode !== 'whip') {
        throw new Error('publishing with transcoding uses WHIP here: choose WHIP / WHEP signalling');
      }
      pub.say('Provisioning three renditions (SM 2.0 provision API)…');
      const res = await fetch(`${ABR_URL}?stream=${encodeURIComponent(name)}`, { method: 'POST' });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) {
        throw new Error(body.error || `${ABR_URL} answered ${res.status}`);
      }
      addLog(`provisioned ${body.renditions.join(', ')}; publishing ${body.publish} with transcode=true`, false);
      name = body.publish;
    }
    localMedia = $('source').value === 'pattern' ? testPattern(name) : await camera();
    $('local').srcObject = localMedia;
    let session;
    if (mode === 'whip') {
      const url = endpoint('whip', name);
      pub.url.textContent = `WHIP endpoint: ${url}?nodeGroup=${nodeGroup}`;
      pub.say('Asking the proxy for an origin…');
      session = await publish(url, abr ? { nodeGroup, transcode: true } : { nodeGroup }, {
        stream: localMedia,
        onEndpointChanged: host => pub.picked(host, generation),
      });
    } else {
      session = await startSocket(pub, mode, name, generation, { stream: localMedia });
    }
    if (generation !== pub.generation) {
      await session.hangup(); // stopped while negotiating
      return;
    }
    pub.session = session;
    watchConnection(pub);
    pub.describeNode();
  } catch (e) {
    if (generation === pub.generation) {
      await stopPublish();
      pub.say(explain(e, 'publish'), true);
    }
  }
}

async function stopPublish() {
  await pub.hangup();
  if (localMedia) {
    localMedia.getTracks().forEach(t => t.stop());
    localMedia = null;
  }
  if (stopPattern) {
    stopPattern();
    stopPattern = null;
  }
  $('local').srcObject = null;
  pub.say('Not publishing.');
  pub.busy(false);
}

async function startPlay() {
  player.busy(true);
  $('messages').replaceChildren();
  const generation = player.generation;
  try {
    const name = streamName() + $('rendition').value;
    const mode = signalling();
    player.mode = mode;
    const url = endpoint('whep', name);
    if (mode === 'whip') {
      player.url.textContent = `WHEP endpoint: ${url}?nodeGroup=${nodeGroup}&requestId=…`;
    }
    let session = null;
    for (let attempt = 1; session === null; attempt++) {
      player.say('Asking the proxy for an edge that carries the stream…');
      try {
        session = mode === 'whip'
          ? await play(url, { nodeGroup }, {
            video: $('remote'),
            onEndpointChanged: host => player.picked(host, generation),
          })
          : await startSocket(player, mode, name, generation, { video: $('remote') });
      } catch (e) {
        // 404: no edge carries it yet (or nobody publishes it): give heartbeats a moment before giving up.
        if (e.status !== 404 || attempt >= PLAY_RETRIES) {
          throw e;
        }
        player.say(`No edge carries ${APP}/${name} yet; retrying (${attempt}/${PLAY_RETRIES - 1})…`);
        await new Promise(r => setTimeout(r, RETRY_MS));
      }
      if (generation !== player.generation) {
        if (session) {
          await session.hangup(); // stopped while negotiating
        }
        return;
      }
    }
    player.session = session;
    watchConnection(player);
    player.describeNode();
  } catch (e) {
    if (generation === player.generation) {
      await stopPlay();
      player.say(explain(e, 'play'), true);
    }
  }
}

async function stopPlay() {
  await player.hangup();
  $('remote').srcObject = null;
  player.say('Not playing.');
  player.busy(false);
}

/**
 * HLS through the proxy, of the stream named above (the origin makes HLS of every publish, as Red5 does; edges serve
 * it) or, with {@code pattern}, of the nodes' test pattern (POST /demo/hls starts it). Waits until an edge serves the
 * playlist, then plays it with hls.js (or natively where the browser plays HLS).
 */
async function startHlsPlay(pattern) {
  player.busy(true);
  const generation = player.generation;
  player.mode = 'hls';
  try {
    const video = $('remote');
    const native = !window.Hls && video.canPlayType('application/vnd.apple.mpegurl') !== '';
    if (!native && !(window.Hls && window.Hls.isSupported())) {
      throw new Error('no HLS player: hls.js is not in this build (run scripts/fetch-web-deps.sh, then rebuild'
        + ' the demo) and this browser does not play HLS itself');
    }
    let body;
    if (pattern) {
      player.say('Starting the simulated nodes\' HLS test pattern (ffmpeg)…');
      const res = await fetch(HLS_START_URL, { method: 'POST' });
      body = await res.json().catch(() => ({}));
      if (!res.ok) {
        throw new Error(body.error || `${HLS_START_URL} answered ${res.status}`);
      }
    } else {
      const guid = `${APP}/${streamName()}${$('rendition').value}`;
      body = { streamGuid: guid, playlist: `${PROXY_PATH}hls/${guid}.m3u8?nodeGroup=${nodeGroup}` };
      player.say(`Waiting for the HLS of ${guid}: its origin makes it of the publish, the first 2 s segment takes a few seconds…`);
    }
    const playlist = PROXY + body.playlist;
    player.url.textContent = `HLS playlist: ${playlist}`;
    for (let attempt = 1; ; attempt++) {
      if (generation !== player.generation) {
        return;
      }
      const r = await fetch(playlist, { cache: 'no-store' });
      if (r.ok) {
        break;
      }
      // a publish's first segment comes later than the test pattern's
      if (r.status !== 404 || attempt >= (pattern ? PLAY_RETRIES : 3 * PLAY_RETRIES)) {
        throw new Error(`${playlist} answered ${r.status}` + (pattern ? '' : `: is ${body.streamGuid} published?`));
      }
      player.say(`No edge serves ${body.streamGuid} yet; retrying (${attempt}/${PLAY_RETRIES - 1})…`);
      await new Promise(r2 => setTimeout(r2, RETRY_MS));
    }
    if (generation !== player.generation) {
      return;
    }
    player.session = native ? nativeHls(video, playlist) : hlsJs(video, playlist);
    player.hlsStream = body.streamGuid;
    player.describeNode();
  } catch (e) {
    if (generation === player.generation) {
      await stopPlay();
      player.say(`Could not play HLS: ${e.message}`, true);
    }
  }
}

/** hls.js on the player element, recovering as applications do (reload on network errors, media recovery). */
function hlsJs(video, playlist) {
  const hls = new window.Hls({ liveSyncDurationCount: 3 });
  const session = { kind: 'hls', pc: null, fragments: 0, bytes: 0, fatalErrors: [] };
  hls.on(window.Hls.Events.FRAG_LOADED, (e, data) => {
    session.fragments++;
    session.bytes += data.frag.stats ? data.frag.stats.loaded || 0 : 0;
  });
  hls.on(window.Hls.Events.ERROR, (e, data) => {
    if (!data.fatal) {
      return;
    }
    session.fatalErrors.push(`${data.type}/${data.details}`);
    addLog(`HLS: ${data.type}/${data.details}${data.response ? ` (${data.response.code})` : ''}; recovering`, true);
    if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
      hls.recoverMediaError();
    } else {
      setTimeout(() => hls.startLoad(), 1000);
    }
  });
  hls.loadSource(playlist);
  hls.attachMedia(video);
  video.play().catch(() => {});
  session.stats = async () => hlsStats(video, session);
  session.hangup = async () => {
    hls.destroy();
    video.removeAttribute('src');
    video.load();
  };
  return session;
}

/** Safari and others that play HLS themselves. */
function nativeHls(video, playlist) {
  const session = { kind: 'hls', pc: null, fragments: 0, bytes: 0 };
  video.src = playlist;
  video.play().catch(() => {});
  session.stats = async () => hlsStats(video, session);
  session.hangup = async () => {
    video.removeAttribute('src');
    video.load();
  };
  return session;
}

function hlsStats(video, session) {
  const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : { totalVideoFrames: 0 };
  return { framesDecoded: q.totalVideoFrames, bytesReceived: session.bytes, currentTime: video.currentTime,
    fragments: session.fragments, fatalErrors: session.fatalErrors || [] };
}

function watchConnection(side) {
  const pc = side.session.pc;
  pc.addEventListener('connectionstatechange', () => {
    if (side.session && side.session.pc === pc) {
      side.describeNode();
    }
  });
}

function explain(e, what) {
  if (e.name === 'NotAllowedError' || e.name === 'NotFoundError' || e.name === 'NotReadableError') {
    return `No camera (${e.name}: ${e.message}). Choose "test pattern" to publish without one.`;
  }
  if (what === 'play' && e.status === 404) {
    return `Nothing to play: no edge carries ${APP}/${$('stream').value.trim()}. Publish it first. (${e.message})`;
  }
  return `Could not ${what}: ${e.message}`;
}

async function camera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    const e = new Error('this browser gives no camera access on this page');
    e.name = 'NotFoundError';
    throw e;
  }
  return navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
}

/** A moving picture drawn on a canvas: lets anyone publish without a camera (and shows latency, with the clock). */
function testPattern(name) {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 480;
  const g = canvas.getContext('2d');
  let x = 0;
  const draw = () => {
    g.fillStyle = '#1d2b53';
    g.fillRect(0, 0, 640, 480);
    g.fillStyle = '#29adff';
    g.fillRect(x, 0, 80, 480);
    x = (x + 6) % 640;
    g.fillStyle = '#fff';
    g.font = 'bold 40px system-ui, sans-serif';
    g.fillText(`${APP}/${name}`, 40, 200);
    g.font = '32px ui-monospace, monospace';
    g.fillText(new Date().toISOString().slice(11, 23), 40, 260);
  };
  draw();
  // A timer rather than requestAnimationFrame: frames keep coming while the tab is in the background.
  const timer = setInterval(draw, 1000 / 30);
  stopPattern = () => clearInterval(timer);
  return canvas.captureStream(30);
}

/** The cluster table, and the node names on both live lines. */
async function refreshNodes() {
  try {
    const res = await fetch(NODES_URL, { cache: 'no-store' });
    if (!res.ok) {
      throw new Error(`${NODES_URL} answered ${res.status}`);
    }
    const view = await res.json();
    nodeGroup = view.nodeGroup;
    $('nodeGroup').textContent = nodeGroup;
    nodesByAddress = new Map(view.nodes.map(n => [n.address, n]));
    nodesById = new Map(view.nodes.map(n => [n.id, n]));
    followHls(view.nodes);
    renderNodes(view);
    $('cluster-status').textContent = view.streams.length
      ? 'Streams: ' + view.streams.map(s => `${s.streamGuid} on ${s.nodes.map(l => l.id).join(', ')}`).join('; ')
      : 'No stream is live.';
  } catch (e) {
    $('cluster-status').textContent = `Cluster view unavailable: ${e.message}`;
  }
  pub.describeNode();
  player.describeNode();
  $('send-message').disabled = !pub.session;
  await Promise.all([pub.sampleStats(), player.sampleStats()]).catch(() => {});
}

/** While HLS plays, the edge serving it is the one whose HLS request count grew since the last poll. */
function followHls(nodes) {
  let best = null;
  let bestGrowth = 0;
  for (const n of nodes) {
    const growth = n.hlsRequests - (lastHlsRequests.get(n.id) ?? n.hlsRequests);
    if (growth > bestGrowth) {
      best = n.id;
      bestGrowth = growth;
    }
  }
  lastHlsRequests = new Map(nodes.map(n => [n.id, n.hlsRequests]));
  if (player.mode === 'hls' && player.session && best) {
    player.hlsEdge = best;
  }
}

function renderNodes(view) {
  const body = $('nodes');
  body.replaceChildren(...view.nodes.map(n => {
    const tr = document.createElement('tr');
    const you = [];
    if (pub.sessionHost === n.address) { tr.classList.add('you-publish'); you.push('your publish'); }
    if (player.sessionHost === n.address) { tr.classList.add('you-play'); you.push('your play'); }
    if (player.mode === 'hls' && player.session && player.hlsEdge === n.id) {
      tr.classList.add('you-play');
      you.push('your HLS play');
    }
    for (const text of [n.id, n.role, n.subGroup, n.state, n.address, n.publishers, n.subscribers, n.hlsRequests,
      you.join(', ')]) {
      const td = document.createElement('td');
      td.textContent = String(text);
      tr.append(td);
    }
    return tr;
  }));
}

/**
 * The signalling log. smproxy-client.js keeps its requests on the session it returns, which a failed attempt never
 * returns, so the page watches fetch for the proxy's paths instead: every attempt shows, failures included.
 */
function logProxyRequests() {
  const realFetch = window.fetch.bind(window);
  window.fetch = async (input, init = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!LOGGED_PATHS.some(p => url.includes(p))) {
      return realFetch(input, init);
    }
    const method = init.method || 'GET';
    try {
      const res = await realFetch(input, init);
      const host = res.headers.get('Session-Host');
      addLog(`${method} ${shorten(url)} → ${res.status}${host ? ` (Session-Host: ${host})` : ''}`, !res.ok);
      return res;
    } catch (e) {
      addLog(`${method} ${shorten(url)} → ${e.message}`, true);
      throw e;
    }
  };
}

/** Same-origin paths, and session tokens cut to their end (their start is the same JWT header): the log is for reading who was asked what. */
function shorten(url) {
  const path = url.startsWith(PROXY) ? url.slice(PROXY.length) : url;
  return path.replace(/(\/resource\/)[^/?]*([^/?]{8})/, '$1…$2');
}

async function proxyOrigin() {
  const res = await fetch('/demo/config.json', { cache: 'no-store' }).catch(() => null);
  const config = res && res.ok ? await res.json() : {};
  if (!config.proxyPort) {
    return location.origin;
  }
  const origin = `${location.protocol}//${location.hostname}:${config.proxyPort}`;
  // A self-signed certificate accepted for this page is not always accepted for another port of the same host.
  const note = document.createElement('p');
  note.className = 'hint';
  note.id = 'proxy-origin';
  const link = document.createElement('a');
  link.href = `${origin}/as/v1/health`;
  link.target = '_blank';
  link.textContent = origin;
  note.append('The proxy here is a load balancer over several replicas at ', link,
    '; if requests to it fail, open that link once and accept its certificate.');
  document.querySelector('header').append(note);
  return origin;
}

function addLog(text, bad) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  li.classList.toggle('bad', bad);
  const list = $('requests');
  list.append(li);
  while (list.children.length > 200) {
    list.firstElementChild.remove();
  }
  list.scrollTop = list.scrollHeight;
}

logProxyRequests();
$('publish').addEventListener('click', startPublish);
$('unpublish').addEventListener('click', stopPublish);
$('play').addEventListener('click', startPlay);
$('stop').addEventListener('click', stopPlay);
$('play-hls').addEventListener('click', () => startHlsPlay(false));
$('play-hls-pattern').addEventListener('click', () => startHlsPlay(true));
$('signalling').addEventListener('change', labelButtons);
$('message-form').addEventListener('submit', e => {
  e.preventDefault();
  const text = $('message').value.trim();
  if (text && sendToViewers(text)) {
    addLog(`publisher → send('incomingNotification') on the data channel`, false);
    $('message').value = '';
  }
});
labelButtons();
window.addEventListener('pagehide', () => { pub.hangup(); player.hangup(); });
refreshNodes();
setInterval(refreshNodes, 1000);
// for the browser tests: the player's own stats, as its stats line shows them
window.playerStats = async () => (player.session && player.session.stats ? player.session.stats() : {});
window.smproxyReady = true; // for the browser test (Browser.open waits for it)
