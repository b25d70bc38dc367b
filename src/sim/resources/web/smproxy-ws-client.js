/*
 * smproxy-ws-client.js — a small browser client for Red5's WebSocket signalling, putting on the wire what Red5 Pro's
 * WebRTC SDK 11–14 (RTCPublisher / RTCSubscriber) sends, for any socket URL: the SM 2.0 proxy shape
 * (wss://sm/as/v1/proxy/ws/publish|subscribe/<app>/<stream>?id=..&nodeGroup=..), which SDK 11 cannot build, the
 * SM 1.x shape (wss://sm/streammanager/?id=..&host=<node>&app=live) or a node's own ws://node:5080/live/?id=...
 * Written from the wire protocol; no build step, no dependencies. Used by the demo page and ws-test.html.
 *
 *     import { publishWs, playWs } from './smproxy-ws-client.js';
 *
 *   publishWs(socketUrl, options) -> Promise<Session>
 *       options: { streamName (required), stream: MediaStream (default: getUserMedia video+audio),
 *                  mode: 'live', keyFramerate: 3000 }
 *   playWs(socketUrl, options) -> Promise<Session>
 *       options: { streamName (required), subscriptionId (default: subscriber-<hex>),
 *                  video: HTMLVideoElement to render into }
 *   both:  { switchChannel: true (hand signalling to the 'red5pro' data channel and close the socket once the
 *            node offers it, as the SDK does), iceServers: [], timeoutMs: 15000, onFrame: frame => {} (each frame
 *            received), onSend: message => {} (each message sent) }
 *
 *   Session: kind, pc, stream, streamName, subscriptionId, frames (every frame received, parsed),
 *            statusCodes(), socketOpen(), switched (Promise, resolves when the socket was handed off),
 *            stats() (same fields as smproxy-client.js), hangup() (never rejects; idempotent).
 *
 * The wire, in order (client -> node, node -> client):
 *   publish  open -> {data:{type:status, code:NetConnection.Connect.Success}}
 *            {isAvailable:s, bundle:true} -> {isAvailable:false}
 *            {handleOffer:s, transport:udp, data:{sdp:{type:offer,sdp}}} -> answer, candidates, {data:{candidate:{}}}
 *            {handleCandidate:s, data:{candidate}} ... {handleCandidate:s, data:{candidate:{type:candidate,candidate:''}}}
 *              -> NetConnection.ICE.TrickleCompleted
 *            {publish:s, mode:live, keyFramerate:3000} -> {data:{message:'<s> starting'}}
 *   play     open -> Connect.Success; {isAvailable:s} -> {isAvailable:true}
 *            {requestOffer:s, requestId, transport:udp, datachannel:true, doNotSwitch:false} -> offer, candidates
 *            {handleAnswer:s, requestId, data:{sdp:{type:answer,sdp}}}; candidates as above (with requestId)
 *              -> TrickleCompleted; {subscribe:s, requestId} -> {data:{message:'<s> starting'}}
 *   both     NetConnection.DataChannel.Available -> {switchChannel:'red5pro'}, then the socket closes (1000)
 */

const CONNECT_SUCCESS = 'NetConnection.Connect.Success';
const TRICKLE_COMPLETED = 'NetConnection.ICE.TrickleCompleted';
const DATA_CHANNEL_AVAILABLE = 'NetConnection.DataChannel.Available';

export function publishWs(socketUrl, options = {}) {
  return new WsSession('publish', socketUrl, options).start();
}

export function playWs(socketUrl, options = {}) {
  return new WsSession('play', socketUrl, options).start();
}

class WsSession {
  constructor(kind, url, options) {
    if (!options.streamName) {
      throw new Error('streamName is required');
    }
    this.kind = kind;
    this.url = url;
    this.options = { switchChannel: true, iceServers: [], timeoutMs: 15000, mode: 'live', keyFramerate: 3000, ...options };
    this.streamName = options.streamName;
    this.subscriptionId = kind === 'play'
      ? options.subscriptionId || `subscriber-${Math.random().toString(16).slice(2, 10)}` : null;
    this.frames = [];
    this.waiters = [];
    this.pc = null;
    this.stream = null;
    this.ws = null;
    this.closeEvent = null;
    this.closed = false;
    // Descriptions and candidates are applied one after another, in the order they arrived.
    this.applying = Promise.resolve();
    this.heldCandidates = [];
    this.descriptionSent = false;
    this.switched = new Promise(resolve => { this.resolveSwitched = resolve; });
  }

  async start() {
    try {
      await this.open();
      await this.await(f => f.data?.code === CONNECT_SUCCESS, 'Connect.Success');
      if (this.kind === 'publish') {
        await this.negotiatePublish();
      } else {
        await this.negotiatePlay();
      }
      if (this.options.switchChannel) {
        this.await(f => f.data?.code === DATA_CHANNEL_AVAILABLE, 'DataChannel.Available', 0)
          .then(() => this.switchChannel()).catch(() => {});
      }
      return this;
    } catch (e) {
      await this.hangup();
      throw e;
    }
  }

  open() {
    return new Promise((resolve, reject) => {
      let ws;
      try {
        ws = new WebSocket(this.url); // SDK 11 offers no subprotocol
      } catch (e) {
        reject(e);
        return;
      }
      this.ws = ws;
      ws.onopen = () => resolve();
      ws.onmessage = m => this.received(m.data);
      ws.onerror = () => reject(new Error(`WebSocket ${this.url} failed (refused upgrade or unreachable)`));
      ws.onclose = e => {
        this.closeEvent = { code: e.code, reason: e.reason };
        reject(new Error(`WebSocket closed ${e.code} ${e.reason}`));
        this.wake();
      };
    });
  }

  received(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (e) {
      frame = { unparsed: String(text) };
    }
    this.frames.push(frame);
    if (this.options.onFrame) {
      try { this.options.onFrame(frame); } catch (e) { /* the page's business */ }
    }
    const data = frame.data || {};
    if (data.sdp && this.pc) {
      this.applying = this.applying.then(() => this.description(data.sdp)).catch(e => this.fail(e));
    } else if (data.candidate && this.pc) {
      const c = data.candidate;
      if (c.candidate) {
        this.applying = this.applying.then(() => this.pc.addIceCandidate(c)).catch(() => {});
      }
    }
    this.wake();
  }

  async description(sdp) {
    if (sdp.type === 'answer') {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: sdp.sdp });
    } else if (sdp.type === 'offer') {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: sdp.sdp });
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      this.send({ handleAnswer: this.streamName, requestId: this.subscriptionId,
        data: { sdp: { type: 'answer', sdp: answer.sdp } } });
      this.descriptionWentOut();
    }
  }

  fail(e) {
    this.frames.push({ data: { type: 'error', code: 'client', message: String(e && e.message || e) } });
    this.wake();
  }

  /** On the socket, or after the hand-off on the data channel, as the SDK sends. */
  send(message) {
    let sent = false;
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
      sent = true;
    } else if (this.channelOpen()) {
      this.channel.send(JSON.stringify(message));
      sent = true;
    }
    if (sent && this.options.onSend) {
      try { this.options.onSend(message); } catch (e) { /* the page's business */ }
    }
  }

  /** The 'red5pro' data channel: after the hand-off the node's messages arrive here, ours go out here. */
  useChannel(channel) {
    this.channel = channel;
    channel.onmessage = m => {
      if (typeof m.data === 'string') {
        this.received(m.data);
      }
    };
  }

  channelOpen() {
    return !!this.channel && this.channel.readyState === 'open';
  }

  /** The first frame (received at any time) that matches; rejects on an error frame, a close or the timeout. */
  await(match, what, timeoutMs = this.options.timeoutMs) {
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve, reject, what };
      if (timeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          this.waiters = this.waiters.filter(w => w !== waiter);
          reject(new Error(`no ${what} within ${timeoutMs} ms; frames: ${JSON.stringify(this.statusCodes())}`));
        }, timeoutMs);
      }
      this.waiters.push(waiter);
      this.wake();
    });
  }

  wake() {
    const error = this.frames.find(f => f.data?.type === 'error');
    for (const w of [...this.waiters]) {
      const hit = this.frames.find(w.match);
      let outcome = null;
      if (hit) {
        outcome = () => w.resolve(hit);
      } else if (error) {
        const e = new Error(`${error.data.code}: ${error.data.message || error.data.description || ''}`);
        e.code = error.data.code;
        outcome = () => w.reject(e);
      } else if (this.closeEvent && !this.channelOpen()) {
        // after the hand-off the socket's close ends nothing: answers come on the data channel
        outcome = () => w.reject(new Error(`socket closed (${this.closeEvent.code}) before ${w.what}`));
      }
      if (outcome) {
        clearTimeout(w.timer);
        this.waiters = this.waiters.filter(x => x !== w);
        outcome();
      }
    }
  }

  newPeer() {
    this.pc = new RTCPeerConnection({ iceServers: this.options.iceServers, bundlePolicy: 'max-bundle' });
    this.pc.ondatachannel = e => this.useChannel(e.channel); // a player's: the node offers it
    this.pc.onicecandidate = e => {
      const message = { handleCandidate: this.streamName };
      if (e.candidate && e.candidate.candidate) {
        if (this.subscriptionId) {
          message.requestId = this.subscriptionId;
        }
        message.data = { candidate: e.candidate.toJSON() };
      } else if (!e.candidate) {
        // The SDK's end of candidates: never carries a requestId.
        message.data = { candidate: { type: 'candidate', candidate: '' } };
      } else {
        return;
      }
      if (this.descriptionSent) {
        this.send(message);
      } else {
        this.heldCandidates.push(message);
      }
    };
  }

  /** Candidates gathered before our description went out follow it, never precede it. */
  descriptionWentOut() {
    this.descriptionSent = true;
    this.heldCandidates.forEach(m => this.send(m));
    this.heldCandidates = [];
  }

  async negotiatePublish() {
    const name = this.streamName;
    this.send({ isAvailable: name, bundle: true });
    const available = await this.await(f => 'isAvailable' in f, 'isAvailable');
    if (available.isAvailable) {
      throw new Error(`${name} already has a broadcast session (NetStream.Publish.BadName)`);
    }
    this.stream = this.options.stream || await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    this.newPeer();
    this.useChannel(this.pc.createDataChannel('red5pro'));
    this.stream.getTracks().forEach(t => this.pc.addTransceiver(t, { direction: 'sendonly', streams: [this.stream] }));
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.send({ handleOffer: name, transport: 'udp', data: { sdp: { type: 'offer', sdp: offer.sdp } } });
    this.descriptionWentOut();
    await this.await(f => f.data?.sdp?.type === 'answer', 'answer');
    await this.await(f => f.data?.code === TRICKLE_COMPLETED, 'TrickleCompleted');
    this.send({ publish: name, mode: this.options.mode, keyFramerate: this.options.keyFramerate });
    await this.await(f => f.data?.message === `${name} starting`, 'publish start');
    await this.connected();
  }

  async negotiatePlay() {
    const name = this.streamName;
    this.send({ isAvailable: name });
    const available = await this.await(f => 'isAvailable' in f, 'isAvailable');
    if (!available.isAvailable) {
      const e = new Error(`stream ${name} is not available (NetStream.Play.StreamNotFound)`);
      e.code = 'NetStream.Play.StreamNotFound';
      throw e;
    }
    this.newPeer();
    this.stream = new MediaStream();
    this.pc.ontrack = e => {
      this.stream.addTrack(e.track);
      if (this.options.video && this.options.video.srcObject !== this.stream) {
        this.options.video.srcObject = this.stream;
        this.options.video.play().catch(() => {});
      }
    };
    this.send({ requestOffer: name, requestId: this.subscriptionId, transport: 'udp', datachannel: true,
      doNotSwitch: false });
    await this.await(f => f.data?.sdp?.type === 'offer', 'offer');
    await this.await(f => f.data?.code === TRICKLE_COMPLETED, 'TrickleCompleted');
    this.send({ subscribe: name, requestId: this.subscriptionId });
    await this.await(f => f.data?.message === `${name} starting`, 'play start');
    await this.connected();
  }

  connected() {
    const pc = this.pc;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`WebRTC not connected after ${this.options.timeoutMs} ms`
        + ` (${pc.connectionState})`)), this.options.timeoutMs);
      const check = () => {
        if (pc.connectionState === 'connected') { clearTimeout(timer); resolve(); }
        if (pc.connectionState === 'failed') { clearTimeout(timer); reject(new Error('WebRTC connection failed')); }
      };
      pc.addEventListener('connectionstatechange', check);
      check();
    });
  }

  /** The SDK's hand-off: signalling moves to the data channel, the socket closes normally; media goes on. */
  switchChannel() {
    if (this.closed || !this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return;
    }
    this.send({ switchChannel: 'red5pro' });
    this.ws.close(1000);
    this.resolveSwitched(true);
  }

  statusCodes() {
    return this.frames.map(f => f.data?.code).filter(Boolean);
  }

  socketOpen() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  async stats() {
    const out = {
      connectionState: this.pc ? this.pc.connectionState : 'new',
      socketOpen: this.socketOpen(),
      framesEncoded: 0, framesDecoded: 0, framesSent: 0, framesReceived: 0,
      packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0,
    };
    if (!this.pc || this.pc.connectionState === 'closed') {
      return out;
    }
    (await this.pc.getStats()).forEach(r => {
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

  /**
   * Ends the session: a publisher unpublishes first, as an app awaiting the SDK's unpublish() does, on its socket
   * or (after the hand-off) on the data channel, and waits for the node's "<stream> stopping"
   * ({@code this.unpublished}: how long it took and where it came, or null without an answer in 3 s); then the socket
   * and the peer close. Never rejects.
   */
  async hangup() {
    if (this.closed) {
      return;
    }
    this.closed = true;
    try {
      if (this.kind === 'publish') {
        const over = this.socketOpen() ? 'socket' : this.channelOpen() ? 'datachannel' : null;
        this.unpublished = { over, answered: false, channel: this.channel ? this.channel.readyState : 'none' };
        if (over) {
          const t0 = performance.now();
          this.send({ unpublish: this.streamName });
          await this.await(f => f.data?.message === `${this.streamName} stopping`, 'unpublish', 3000)
            .then(() => { this.unpublished = { over, answered: true, ms: Math.round(performance.now() - t0) }; })
            .catch(e => { this.unpublished.error = String(e && e.message || e); });
        }
      }
    } finally {
      if (this.ws && this.ws.readyState <= WebSocket.OPEN) {
        this.ws.close(1000);
      }
      if (this.pc) {
        this.pc.close();
      }
      if (this.stream && this.kind === 'publish' && !this.options.stream) {
        this.stream.getTracks().forEach(t => t.stop());
      }
      this.waiters.forEach(w => { clearTimeout(w.timer); w.reject(new Error('hung up')); });
      this.waiters = [];
    }
  }
}

globalThis.smproxyWsClient = { publishWs, playWs };
