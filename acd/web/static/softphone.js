// The agent's softphone in the browser: a small class the agent panel embeds.
//
//   import { Softphone } from "/static/softphone.js";   (after /static/vendor/jssip.js)
//   const phone = new Softphone();
//   phone.addEventListener("registration", (e) => show(e.detail.state));  // see STATES
//   phone.addEventListener("call", (e) => show(e.detail.state, e.detail.caller));
//   await phone.start();  ...  phone.answer(); phone.mute(true); phone.sendDtmf("1"); phone.hangUp();
//
// It asks the engine for its SIP account (/api/me/softphone: only over the signed-in
// session), registers with JsSIP over the engine's /sip websocket, and keeps registered by
// itself: JsSIP reconnects a dropped websocket and registers again; a refused registration
// or unreachable engine makes it ask for its account again, waiting longer each time (a
// password made anew at a restart is found that way). The engine rings it for each call;
// it rings aloud with a tone made by WebAudio (no sound file) on the chosen output.
"use strict";

// Registration states ("registration" events) and call states ("call" events).
export const STATES = ["stopped", "connecting", "registered", "disconnected", "failed"];
export const CALLS = ["idle", "ringing", "talking"];

// WebRTC with Asterisk (docs: webrtc-notes): host candidates only, one bundled transport.
const PC_CONFIG = { iceServers: [], bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" };
const RETRY_FIRST = 1000, RETRY_MOST = 30000; // ms: 1 s, doubling, at most 30 s

export class Softphone extends EventTarget {
  // remoteVideo, selfVideo: <video> elements; given, a call offered with video (a district
  // totem's) is answered with the camera (voice only when it is missing or refused).
  constructor({ settingsUrl = "/api/me/softphone", jssip = globalThis.JsSIP, audio,
                remoteVideo = null, selfVideo = null } = {}) {
    super();
    if (!jssip) throw new Error("JsSIP is not loaded: include /static/vendor/jssip.js first");
    this.settingsUrl = settingsUrl;
    this.JsSIP = jssip;
    this.audio = audio || document.createElement("audio"); // the caller's voice
    this.audio.autoplay = true;
    this.remoteVideo = remoteVideo;
    this.selfVideo = selfVideo;
    this.videoCall = false; // the call ringing or talking carries video both ways
    this._local = null; // the camera and microphone of a video call
    this.state = "stopped";
    this.call = "idle";
    this.caller = null; // {number, name} of the call ringing or talking
    this.muted = false;
    this.inputId = ""; // "" = the browser's default microphone
    this.outputId = "";
    this.ring = new RingTone();
    this._ua = null;
    this._session = null;
    this._retries = 0;
    this._timer = null;
    this._stopped = true;
  }

  // -- registration ------------------------------------------------------------------------

  async start() {
    this._stopped = false;
    clearTimeout(this._timer);
    this._setState("connecting");
    let account;
    try {
      account = await this._account();
    } catch (error) {
      this._failed(error);
      return;
    }
    this._register(account);
  }

  stop() {
    this._stopped = true;
    clearTimeout(this._timer);
    this.hangUp();
    if (this._ua) this._ua.stop();
    this._ua = null;
    this._setState("stopped");
  }

  async _account() {
    const response = await fetch(this.settingsUrl, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) {
      const error = new Error(`${this.settingsUrl}: ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  // Signed out (expired, elsewhere, the account disabled): the engine closed /sip and
  // would refuse it again; stop until the page signs in again. Anything else: try again.
  _failed(error) {
    if (error.status === 401 || error.status === 403) {
      this.stop();
      this._setState("failed", "not-signed-in");
      return;
    }
    this._setState("failed", error.message);
    this._retry();
  }

  _disconnected() {
    this._setState("disconnected");
    this._account().catch((error) => { if (error.status) this._failed(error); });
  }

  _register(account) {
    const { JsSIP } = this;
    if (this._ua) this._ua.stop();
    const ua = (this._ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(account.websocket)],
      uri: account.uri,
      password: account.password,
      display_name: account.display_name,
      session_timers: false,
      register: true,
      connection_recovery_min_interval: RETRY_FIRST / 1000,
      connection_recovery_max_interval: RETRY_MOST / 1000,
    }));
    const mine = (handler) => (event) => { if (this._ua === ua) handler(event); };
    ua.on("connecting", mine(() => this._setState("connecting")));
    ua.on("disconnected", mine(() => this._disconnected()));
    ua.on("registered", mine(() => { this._retries = 0; this._setState("registered"); }));
    ua.on("unregistered", mine(() => this._setState("disconnected")));
    ua.on("registrationFailed", mine((e) => { this._setState("failed", e.cause); this._retry(); }));
    ua.on("newRTCSession", mine((e) => this._incoming(e)));
    ua.start();
  }

  _retry() {
    if (this._stopped) return;
    const wait = Math.min(RETRY_MOST, RETRY_FIRST * 2 ** this._retries++);
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this.start(), wait * (0.75 + Math.random() / 2));
  }

  _setState(state, reason = "") {
    this.state = state;
    this.dispatchEvent(new CustomEvent("registration", { detail: { state, reason } }));
  }

  // -- calls ---------------------------------------------------------------------------------

  _incoming({ originator, session, request }) {
    if (originator !== "remote") return;
    if (this._session) { // one call at a time: the engine never offers a second
      session.terminate({ status_code: 486, reason_phrase: "Busy Here" });
      return;
    }
    this._session = session;
    this.offersVideo = Boolean(request && /\r?\nm=video [1-9]/.test(request.body || ""));
    const identity = session.remote_identity;
    this.caller = { number: identity.uri.user || "", name: identity.display_name || "" };
    session.on("peerconnection", ({ peerconnection }) => this._listen(peerconnection));
    session.on("confirmed", () => this._setCall("talking"));
    session.on("ended", (e) => this._ended(session, e.cause));
    session.on("failed", (e) => this._ended(session, e.cause));
    this._setCall("ringing");
    this.ring.start(this.outputId);
  }

  answer() {
    const session = this._session;
    if (!session || this.call !== "ringing") return false;
    this.ring.stop();
    const audio = this.inputId ? { deviceId: { exact: this.inputId } } : true;
    if (this.remoteVideo && this.offersVideo) {
      this._answerWithVideo(session, audio);
      return true;
    }
    session.answer({ mediaConstraints: { audio, video: false }, pcConfig: PC_CONFIG });
    return true;
  }

  async _answerWithVideo(session, audio) {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio, video: { width: 640, height: 480 } });
    } catch (error) { // no camera, or refused: the call goes on in voice
      stream = await navigator.mediaDevices.getUserMedia({ audio });
    }
    if (session !== this._session || session.isEnded()) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    this._local = stream;
    this.videoCall = stream.getVideoTracks().length > 0;
    if (this.selfVideo) this.selfVideo.srcObject = this.videoCall ? stream : null;
    session.answer({ mediaStream: stream, pcConfig: PC_CONFIG });
  }

  hangUp() {
    const session = this._session;
    if (!session) return false;
    this.ring.stop();
    if (!session.isEnded()) session.terminate();
    return true;
  }

  mute(on = !this.muted) {
    const session = this._session;
    if (session && this.call === "talking") {
      if (on) session.mute({ audio: true }); else session.unmute({ audio: true });
    }
    this.muted = Boolean(on) && this.call === "talking";
    this.dispatchEvent(new CustomEvent("mute", { detail: { muted: this.muted } }));
    return this.muted;
  }

  sendDtmf(tones) {
    const session = this._session;
    if (!session || this.call !== "talking") return false;
    // RFC 4733 events in the media stream (RTCDTMFSender), as Asterisk's endpoint expects
    session.sendDTMF(String(tones), { transportType: this.JsSIP.C.DTMF_TRANSPORT.RFC2833 });
    return true;
  }

  _listen(peerconnection) {
    peerconnection.addEventListener("track", ({ streams, track }) => {
      const stream = streams[0] || new MediaStream([track]);
      if (track.kind === "video") {
        if (this.remoteVideo) this.remoteVideo.srcObject = stream;
        return;
      }
      this.audio.srcObject = stream;
      this._applyOutput();
    });
  }

  _ended(session, cause) {
    if (session !== this._session) return;
    this.ring.stop();
    this._session = null;
    this.muted = false;
    this.audio.srcObject = null;
    if (this._local) for (const track of this._local.getTracks()) track.stop();
    this._local = null;
    this.videoCall = false;
    if (this.remoteVideo) this.remoteVideo.srcObject = null;
    if (this.selfVideo) this.selfVideo.srcObject = null;
    this._setCall("idle", cause);
    this.caller = null;
  }

  _setCall(state, cause = "") {
    this.call = state;
    const detail = { state, caller: this.caller, cause };
    this.dispatchEvent(new CustomEvent("call", { detail }));
  }

  /** The peer connection of the call (for its statistics), or null. */
  get connection() {
    return this._session ? this._session.connection : null;
  }

  // -- devices -------------------------------------------------------------------------------

  /** The microphones and speakers (names once the browser has granted the microphone). */
  async devices() {
    const all = await navigator.mediaDevices.enumerateDevices();
    const pick = (kind) => all.filter((d) => d.kind === kind)
      .map((d, i) => ({ id: d.deviceId, label: d.label || `${kind} ${i + 1}` }));
    return { inputs: pick("audioinput"), outputs: this.canChooseOutput ? pick("audiooutput") : [] };
  }

  get canChooseOutput() {
    return typeof HTMLMediaElement.prototype.setSinkId === "function";
  }

  async useInput(deviceId) {
    this.inputId = deviceId || "";
    const pc = this.connection;
    if (!pc || this.call !== "talking") return;
    const audio = this.inputId ? { deviceId: { exact: this.inputId } } : true;
    const [track] = (await navigator.mediaDevices.getUserMedia({ audio })).getAudioTracks();
    track.enabled = !this.muted;
    const sender = pc.getSenders().find((s) => s.track && s.track.kind === "audio");
    if (sender) {
      const old = sender.track;
      await sender.replaceTrack(track);
      old.stop();
    }
  }

  async useOutput(deviceId) {
    this.outputId = deviceId || "";
    await this._applyOutput();
  }

  async _applyOutput() {
    if (this.canChooseOutput) await this.audio.setSinkId(this.outputId);
  }
}

// The ring: two tones (440 and 480 Hz, a telephone's), one second on, two off, made by
// WebAudio on the chosen output. (A browser plays sound only after the page was used: the
// agent has clicked or typed on it by the time a call comes.)
export class RingTone {
  constructor(on = 1.0, off = 2.0) {
    this.on = on;
    this.off = off;
    this._context = null;
    this._timer = null;
  }

  get ringing() {
    return this._context !== null;
  }

  async start(outputId = "") {
    if (this._context) return;
    const context = (this._context = new AudioContext());
    if (outputId && typeof context.setSinkId === "function") {
      await context.setSinkId(outputId).catch(() => {});
    }
    const gain = context.createGain();
    gain.gain.value = 0;
    gain.connect(context.destination);
    for (const frequency of [440, 480]) {
      const tone = context.createOscillator();
      tone.frequency.value = frequency;
      tone.connect(gain);
      tone.start();
    }
    const burst = () => {
      const t = context.currentTime;
      gain.gain.setValueAtTime(0.15, t);
      gain.gain.setValueAtTime(0, t + this.on);
    };
    burst();
    this._timer = setInterval(burst, (this.on + this.off) * 1000);
  }

  stop() {
    clearInterval(this._timer);
    if (this._context) this._context.close();
    this._context = null;
  }
}
