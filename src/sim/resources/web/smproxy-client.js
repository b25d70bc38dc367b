/*
 * smproxy-client.js — a small browser WHIP/WHEP client that puts on the wire what Red5 Pro's WebRTC SDK 15
 * (WHIPClient / WHEPClient) sends, so tests and the demo page exercise the proxy exactly as Red5's own
 * clients do. Written from the wire reference; no build step, no dependencies.
 *
 * Load it as an ES module:
 *
 *     import { publish, play, playClientOffer } from './smproxy-client.js';
 *
 * (importing it also sets globalThis.smproxyClient = { publish, play, playClientOffer, version }).
 *
 * API (stable; the demo page and the browser tests rely on it):
 *
 *   publish(endpointUrl, params = {}, options = {}) -> Promise<Session>
 *       WHIP. endpointUrl e.g. https://proxy/as/v1/proxy/whip/live/stream1 or a node's
 *       http://node:5080/live/whip/endpoint/stream1.
 *   play(endpointUrl, params = {}, options = {}) -> Promise<Session>
 *       WHEP, Red5 style: empty POST, the server sends its offer, the answer goes back by PATCH.
 *   playClientOffer(endpointUrl, params = {}, options = {}) -> Promise<Session>
 *       WHEP with a recvonly client offer in the POST body (what SDK 15 sends); Red5 still answers with
 *       its own offer, which is applied the same way.
 *
 *   params  — Red5's connectionParams: { nodeGroup, region, subgroup, strict, username, password, token,
 *             transcode, host, ... }. Appended as `&k=v` WITHOUT URL-encoding, as the SDK does; `transcode`
 *             goes on OPTIONS only.
 *   options — publish: { stream: MediaStream (default: getUserMedia video+audio), mode: 'live',
 *                        keyFramerate: 3000, transport: 'udp', includeDataChannel: true, ... }
 *             play:    { video: HTMLVideoElement to render into, requestId: 'subscriber-<hex>',
 *                        transport: 'udp', includeDataChannel: true, doNotSwitch: false, ... }
 *             both:    { waitConnected: true, connectTimeoutMs: 15000, gatherTimeoutMs: 5000,
 *                        onEndpointChanged: (sessionHost) => {} }
 *
 *   Session (the resolved handle):
 *     kind            'publish' | 'play'
 *     pc              the RTCPeerConnection
 *     stream          the MediaStream published or played
 *     sessionHost     the OPTIONS response's Session-Host (the node the proxy picked), or null
 *     resourceUrl     where PATCH and DELETE go (derived from Location like the SDK)
 *     requestId       WHEP only
 *     requests        every HTTP exchange so far: [{ method, url, contentType, status }]
 *     trickleResponse body text of the trickle PATCH response
 *     stats()         -> Promise<{ connectionState, framesEncoded, framesDecoded, framesSent, framesReceived,
 *                         packetsSent, packetsReceived, bytesSent, bytesReceived }> (summed over all
 *                         outbound-rtp / inbound-rtp; frames count video only)
 *     hangup()        -> Promise<number|null>: DELETE <resource> with host=<Session-Host> (no other params, as
 *                         the SDK), then closes the peer and stops local tracks. Resolves to the DELETE status
 *                         (null if the request failed); never rejects. Idempotent.
 *
 * Errors: a rejected promise with an Error whose `status` is the HTTP status (and `step`: 'options', 'post',
 * 'answer', 'trickle', 'connect'); the message carries Red5's SDK text for that status.
 *
 * The wire, in order (SH = the Session-Host header of the OPTIONS response):
 *   WHIP  OPTIONS <ep>?signal=<b>&<params>
 *         POST    <ep>?signal=<b>&<params-transcode>&mode=live&transport=udp&keyFramerate=3000&host=SH  (application/sdp offer)
 *         PATCH   <resource>?<params-transcode>&host=SH   (application/trickle-ice-sdpfrag, after gathering completes)
 *         DELETE  <resource>?host=SH
 *   WHEP  base = <ep>?requestId=subscriber-<hex>
 *         OPTIONS <base>&signal=<b>&<params>
 *         POST    <base>&signal=<b>&<params-transcode>&transport=udp&doNotSwitch=false&host=SH  (empty body -> server offer)
 *         PATCH   <resource>&<params-transcode>&host=SH   (application/sdp answer)
 *         PATCH   <resource>&<params-transcode>&host=SH   (application/trickle-ice-sdpfrag, after gathering completes)
 *         DELETE  <resource>&host=SH
 *   host=SH is added only when OPTIONS returned Session-Host and params carry no `host`.
 */

const VERSION = '1';
const SDP = 'application/sdp';
const SDP_FRAG = 'application/trickle-ice-sdpfrag';

/** Red5's SDK messages per status, so failures read the same as with Red5's clients. */
const WHIP_ERRORS = {
  400: 'Invalid offer SDP.',
  401: 'Not authorized.',
  404: 'Scope resolver failed for the publish name and / or scope.',
  405: 'Remember to update the URL passed into the WHIP or WHEP client.',
  406: 'Scope connection rejected.',
  409: 'Session already initialized.',
  412: 'Invalid request body.',
  417: 'Session lookup or creation failure.',
};
const WHEP_ERRORS = {
  400: 'Offer already sent, double POST assumed.',
  401: 'Not authorized.',
  404: 'Scope resolver failed for the playback name and / or scope.',
  405: 'Remember to update the URL passed into the WHIP or WHEP client.',
  406: 'Playback failed due to an exception during creation.',
  409: 'Stream is not available to playback.',
};

const DEFAULTS = {
  waitConnected: true,
  connectTimeoutMs: 15000,
  gatherTimeoutMs: 5000,
  transport: 'udp',
  includeDataChannel: true,
};

export async function publish(endpointUrl, params = {}, options = {}) {
  const opts = { mode: 'live', keyFramerate: 3000, ...DEFAULTS, ...options };
  const s = new Session('publish', endpointUrl, params, opts, WHIP_ERRORS);
  try {
    const stream = opts.stream || await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    s.stream = stream;
    s.ownsStream = !opts.stream;
    await s.options([`signal=${opts.includeDataChannel}`, ...pairs(params)]);
    s.createPeer();
    stream.getTracks().forEach(t => s.pc.addTransceiver(t, { direction: 'sendonly', streams: [stream] }));
    if (opts.includeDataChannel) {
      // What signal=true announces: the SDK's signalling channel travels inside the publisher's offer.
      s.watchChannel(s.pc.createDataChannel('red5pro'));
    }
    const offer = await s.pc.createOffer();
    await s.pc.setLocalDescription(offer);
    const post = await s.send('post', 'POST', withQuery(endpointUrl, [
      `signal=${opts.includeDataChannel}`, ...pairs(params, ['transcode']),
      `mode=${opts.mode}`, `transport=${opts.transport}`, `keyFramerate=${opts.keyFramerate}`,
      ...extraEncodings(opts), ...s.hostPair(params)]), SDP, offer.sdp);
    s.resourceUrl = resourceUrl(endpointUrl, post.headers.get('Location'));
    await s.pc.setRemoteDescription({ type: 'answer', sdp: await post.text() });
    await s.trickle();
    await s.connected();
    return s;
  } catch (e) {
    await s.hangup();
    throw e;
  }
}

export function play(endpointUrl, params = {}, options = {}) {
  return subscribe(endpointUrl, params, { ...options, clientOffer: false });
}

export function playClientOffer(endpointUrl, params = {}, options = {}) {
  return subscribe(endpointUrl, params, { ...options, clientOffer: true });
}

async function subscribe(endpointUrl, params, options) {
  const opts = { doNotSwitch: false, ...DEFAULTS, ...options };
  const requestId = opts.requestId || `subscriber-${Math.floor(Math.random() * 0x10000).toString(16)}`;
  // requestId rides in the base URL, so it is on every request, PATCH and DELETE included.
  const base = withQuery(endpointUrl, [`requestId=${requestId}`]);
  const s = new Session('play', base, params, opts, WHEP_ERRORS);
  s.requestId = requestId;
  try {
    await s.options([`signal=${opts.includeDataChannel}`, ...pairs(params)]);
    s.createPeer();
    s.stream = new MediaStream();
    // The node offers the red5pro channel (signal=true): watched from the start, so no message is missed.
    s.pc.ondatachannel = e => {
      if (e.channel.label === 'red5pro') s.watchChannel(e.channel);
    };
    s.pc.ontrack = e => {
      s.stream.addTrack(e.track);
      if (opts.video && opts.video.srcObject !== s.stream) {
        opts.video.srcObject = s.stream;
      }
    };
    let body = '';
    if (opts.clientOffer) {
      s.pc.addTransceiver('video', { direction: 'recvonly' });
      s.pc.addTransceiver('audio', { direction: 'recvonly' });
      // Only sent, never applied: Red5 answers with its own offer, which must land in a 'stable' peer.
      body = (await s.pc.createOffer()).sdp;
    }
    const post = await s.send('post', 'POST', withQuery(base, [
      `signal=${opts.includeDataChannel}`, ...pairs(params, ['transcode']),
      `transport=${opts.transport}`, `doNotSwitch=${opts.doNotSwitch}`,
      ...extraEncodings(opts), ...s.hostPair(params)]), SDP, body);
    s.resourceUrl = resourceUrl(base, post.headers.get('Location'));
    await s.pc.setRemoteDescription({ type: 'offer', sdp: await post.text() });
    const answer = await s.pc.createAnswer();
    answer.sdp = forceStereo(answer.sdp);
    await s.pc.setLocalDescription(answer);
    await s.send('answer', 'PATCH', withQuery(s.resourceUrl, [...pairs(params, ['transcode']), ...s.hostPair(params)]),
      SDP, answer.sdp);
    await s.trickle();
    await s.connected();
    if (opts.video) {
      opts.video.muted = true; // autoplay policy: a muted element may play without a user gesture
      opts.video.play().catch(() => {});
    }
    return s;
  } catch (e) {
    await s.hangup();
    throw e;
  }
}

class Session {
  constructor(kind, endpointUrl, params, opts, errors) {
    this.kind = kind;
    this.endpointUrl = endpointUrl;
    this.params = params;
    this.opts = opts;
    this.errors = errors;
    this.pc = null;
    this.stream = null;
    this.ownsStream = false;
    this.sessionHost = null;
    this.resourceUrl = null;
    this.requestId = null;
    this.iceServers = [];
    this.requests = [];
    this.trickleResponse = null;
    this.channel = null;
    this.channelMessages = [];
    this.closed = false;
    this.deleteStatus = undefined;
  }

  /** OPTIONS: learn the node (Session-Host) and ICE servers (Link) before the peer exists. */
  async options(query) {
    const res = await this.send('options', 'OPTIONS', withQuery(this.endpointUrl, query), null, null,
      status => status === 200 || status === 204);
    this.iceServers = iceServersFrom(res.headers.get('Link'));
    const host = res.headers.get('Session-Host');
    if (host) {
      this.sessionHost = host;
      if (this.opts.onEndpointChanged) {
        this.opts.onEndpointChanged(host);
      }
    }
  }

  /** Red5's messaging channel: what arrives is kept in order (text as is, binary by its size). */
  watchChannel(channel) {
    channel.binaryType = 'arraybuffer';
    channel.onmessage = e => this.channelMessages.push(
      typeof e.data === 'string' ? e.data : `<binary ${e.data.byteLength}>`);
    this.channel = channel;
  }

  /** Sends on the red5pro channel as the SDK posts its messages (send, mute, callAdapter); false until it is open. */
  sendOnChannel(text) {
    if (!this.channel || this.channel.readyState !== 'open') return false;
    this.channel.send(text);
    return true;
  }

  createPeer() {
    this.pc = new RTCPeerConnection({ iceServers: this.iceServers });
  }

  /** host=<Session-Host>, unless the caller named the node itself. */
  hostPair(params) {
    return this.sessionHost && !('host' in params) ? [`host=${this.sessionHost}`] : [];
  }

  /** One PATCH with every candidate, once gathering is complete (the SDK does not trickle one by one). */
  async trickle() {
    await gathered(this.pc, this.opts.gatherTimeoutMs);
    const res = await this.send('trickle', 'PATCH',
      withQuery(this.resourceUrl, [...pairs(this.params, ['transcode']), ...this.hostPair(this.params)]),
      SDP_FRAG, sdpFragment(this.pc.localDescription.sdp));
    this.trickleResponse = await res.text();
  }

  async connected() {
    if (!this.opts.waitConnected) {
      return;
    }
    const pc = this.pc;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`not connected after ${this.opts.connectTimeoutMs} ms (${pc.connectionState})`)),
        this.opts.connectTimeoutMs);
      const check = () => {
        if (pc.connectionState === 'connected') done();
        else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') done(new Error(`connection ${pc.connectionState}`));
      };
      const done = err => {
        clearTimeout(timer);
        pc.removeEventListener('connectionstatechange', check);
        if (err) { err.step = 'connect'; reject(err); } else resolve();
      };
      pc.addEventListener('connectionstatechange', check);
      check();
    });
  }

  async send(step, method, url, contentType, body, ok = status => status >= 200 && status < 300) {
    const init = { method, mode: 'cors' };
    if (contentType) {
      init.headers = { 'Content-Type': contentType };
      init.body = body;
    }
    const entry = { method, url, contentType: contentType || null, status: null };
    this.requests.push(entry);
    const res = await fetch(url, init);
    entry.status = res.status;
    if (!ok(res.status)) {
      const text = await res.text().catch(() => '');
      const err = new Error(`${method} ${url} -> ${res.status}: ${this.errors[res.status] || res.statusText}`
        + (text ? ` (${text.trim().slice(0, 200)})` : ''));
      err.status = res.status;
      err.step = step;
      throw err;
    }
    return res;
  }

  async stats() {
    const out = {
      connectionState: this.pc ? this.pc.connectionState : 'new',
      framesEncoded: 0, framesDecoded: 0, framesSent: 0, framesReceived: 0,
      packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0,
    };
    if (!this.pc || this.pc.connectionState === 'closed') {
      return out;
    }
    const report = await this.pc.getStats();
    report.forEach(r => {
      if (r.type === 'outbound-rtp') {
        out.packetsSent += r.packetsSent || 0;
        out.bytesSent += r.bytesSent || 0;
        if (r.kind === 'video') {
          out.framesEncoded += r.framesEncoded || 0;
          out.framesSent += r.framesSent || 0;
        }
      } else if (r.type === 'inbound-rtp') {
        out.packetsReceived += r.packetsReceived || 0;
        out.bytesReceived += r.bytesReceived || 0;
        if (r.kind === 'video') {
          out.framesDecoded += r.framesDecoded || 0;
          out.framesReceived += r.framesReceived || 0;
        }
      }
    });
    return out;
  }

  async hangup() {
    if (this.closed) {
      return this.deleteStatus;
    }
    this.closed = true;
    let status = null;
    if (this.resourceUrl) {
      // The SDK's teardown sends no connectionParams, only the node.
      const url = withQuery(this.resourceUrl, this.sessionHost ? [`host=${this.sessionHost}`] : []);
      const entry = { method: 'DELETE', url, contentType: null, status: null };
      this.requests.push(entry);
      try {
        status = (await fetch(url, { method: 'DELETE', mode: 'cors' })).status;
        entry.status = status;
      } catch (e) {
        // forced teardown: the server may be gone, the peer is closed regardless
      }
    }
    if (this.pc) {
      this.pc.close();
    }
    if (this.stream && this.ownsStream) {
      this.stream.getTracks().forEach(t => t.stop());
    }
    this.deleteStatus = status;
    return status;
  }
}

/** connectionParams as the SDK appends them: `k=v`, not encoded, `undefined`/`null` values skipped. */
function pairs(params, without = []) {
  return Object.keys(params || {})
    .filter(k => !without.includes(k) && params[k] !== undefined && params[k] !== null)
    .map(k => `${k}=${params[k]}`);
}

function extraEncodings(opts) {
  const out = [];
  if (opts.videoEncoding) out.push(`videoEncoding=${opts.videoEncoding}`);
  if (opts.audioEncoding) out.push(`audioEncoding=${opts.audioEncoding}`);
  return out;
}

function withQuery(url, query) {
  if (query.length === 0) {
    return url;
  }
  return url + (url.includes('?') ? '&' : '?') + query.join('&');
}

/**
 * The resource URL the way the SDK derives it: an absolute Location as is; a relative one replaces only the
 * endpoint's path (the endpoint's query, e.g. requestId, stays; the Location's is dropped); none means the
 * endpoint. Then /endpoint/ becomes /resource/ (Red5's node paths; the SM 2.0 proxy paths have neither).
 */
export function resourceUrl(endpointUrl, location) {
  let url;
  if (location && /^https?:\/\//i.test(location)) {
    url = location;
  } else if (location) {
    const u = new URL(endpointUrl);
    u.pathname = location.split('?')[0];
    url = u.toString();
  } else {
    url = endpointUrl;
  }
  return url.replace('/endpoint/', '/resource/');
}

/** RFC 8840 fragment as the SDK sends it once gathering is done: credentials, first m-line, mid 0, candidates. */
export function sdpFragment(sdp) {
  const lines = sdp.split(/\r?\n/);
  const first = prefix => lines.find(l => l.startsWith(prefix));
  const candidates = [...new Set(lines.filter(l => l.startsWith('a=candidate:')))];
  return [first('a=ice-ufrag:'), first('a=ice-pwd:'), first('m='), 'a=mid:0', ...candidates, 'a=end-of-candidates']
    .filter(Boolean).join('\r\n') + '\r\n';
}

/** The SDK asks for stereo Opus in its WHEP answer. */
function forceStereo(sdp) {
  return sdp.replace(/useinbandfec=1(?!;stereo=1)/g, 'useinbandfec=1;stereo=1;sprop-stereo=1');
}

function gathered(pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') {
    return Promise.resolve();
  }
  // Bounded: an interface that never finishes must not stall signalling; send what was gathered.
  return new Promise(resolve => {
    const timer = setTimeout(finish, timeoutMs);
    function check() { if (pc.iceGatheringState === 'complete') finish(); }
    function finish() {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    }
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** Link: <stun:host:port>; rel="ice-server"[; username="u"; credential="c"] — as many as given. */
function iceServersFrom(link) {
  if (!link) {
    return [];
  }
  const servers = [];
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = part.match(/<([^>]+)>(.*)/);
    if (!m || !/rel="?ice-server"?/i.test(m[2])) continue;
    const server = { urls: m[1] };
    const user = m[2].match(/username="([^"]*)"/i);
    const cred = m[2].match(/credential="([^"]*)"/i);
    if (user) server.username = user[1];
    if (cred) server.credential = cred[1];
    servers.push(server);
  }
  return servers;
}

globalThis.smproxyClient = { publish, play, playClientOffer, version: VERSION };
