// The district totem's page (kiosk.html): choose a service, read the privacy notice, call;
// wait seeing the place in line and the estimated wait (/ws/kiosk, live); talk in video with
// a small self view; hang up. After the call, or 60 s without a touch, it starts over and
// forgets everything (service, language, figures). Without a camera (missing or refused) it
// offers a voice-only call. JsSIP reconnects its websocket by itself and the feed is opened
// again after a loss; meanwhile the page says it is out of service.
//
//   window.kiosk: the state, for the tests (kiosk.session: the call's JsSIP session).
"use strict";

const $ = (id) => document.getElementById(id);
const TEXTS = JSON.parse($("kiosk-texts").textContent);
const PC_CONFIG = { iceServers: [], bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" };
const RETRY_FIRST = 1000, RETRY_MOST = 30000; // ms
const ENDED_SHOWN = 8000; // ms the "call ended" screen stays before starting over

const kiosk = (window.kiosk = {
  lang: "it",
  settings: null,
  service: null, // the chosen service's entry
  session: null,
  stream: null, // the camera and microphone of the call
  feed: null, // the last message of /ws/kiosk
  seenInQueue: false,
  talking: false,
  registered: false,
  feedOpen: false,
  resets: 0,
  ua: null,
});

// -- words -------------------------------------------------------------------------------

function t(key, values = {}) {
  const text = TEXTS[kiosk.lang][key] || TEXTS.it[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

function translate() {
  document.documentElement.lang = kiosk.lang;
  document.title = t("kiosk.title");
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll("[data-t-label]")) {
    node.setAttribute("aria-label", t(node.dataset.tLabel));
  }
  $("k-lang").lang = t("kiosk.other_lang");
  showServices();
  if (kiosk.service) showService(kiosk.service);
  if (kiosk.session) showFigures();
}

$("k-lang").addEventListener("click", () => {
  kiosk.lang = kiosk.lang === "it" ? "en" : "it";
  translate();
});

// -- screens -----------------------------------------------------------------------------

function show(screen) {
  for (const id of ["k-start", "k-service", "k-calling", "k-ended"]) $(id).hidden = id !== screen;
}

function showServices() {
  const list = $("k-services");
  list.replaceChildren();
  for (const service of (kiosk.settings && kiosk.settings.services) || []) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.service = service.id;
    button.className = service.open ? "open" : "closed";
    const name = document.createElement("span");
    name.textContent = service.name;
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = t(service.open ? "kiosk.open" : "kiosk.closed");
    button.append(name, state);
    button.addEventListener("click", () => showService(service));
    const item = document.createElement("li");
    item.append(button);
    list.append(item);
  }
}

function showService(service) {
  kiosk.service = service;
  show("k-service");
  $("k-service-title").textContent = service.name;
  $("k-closed").hidden = service.open;
  $("k-open").hidden = !service.open;
  if (!service.open) {
    $("k-closed-text").textContent = t("kiosk.closed_now", { service: service.name });
    $("k-hours-caption").textContent = t("kiosk.hours", { service: service.name });
    const rows = service.hours.map((h) => {
      const row = document.createElement("tr");
      const day = document.createElement("th");
      day.scope = "row";
      day.textContent = t(`kiosk.day.${h.day}`);
      const times = document.createElement("td");
      times.textContent = h.times.join(", ");
      row.append(day, times);
      return row;
    });
    $("k-hours").replaceChildren(...rows);
  } else {
    $("k-call").textContent = t("kiosk.call", { service: service.name });
  }
}

$("k-back").addEventListener("click", () => reset());
$("k-reset").addEventListener("click", () => reset());

// Start over, forgetting everything: the chosen service, the language, the call's figures.
function reset() {
  clearTimeout(kiosk.endedTimer);
  if (kiosk.session && !kiosk.session.isEnded()) kiosk.session.terminate();
  stopMedia();
  Object.assign(kiosk, { service: null, session: null, feed: kiosk.feed, seenInQueue: false,
                         talking: false, lang: "it" });
  kiosk.resets += 1;
  $("k-nocamera").hidden = $("k-audio").hidden = true;
  $("k-voice").hidden = true;
  $("k-figures").textContent = "";
  translate();
  show("k-start");
  refreshSettings();
}

// -- 60 s without a touch ----------------------------------------------------------------

let lastTouch = Date.now();
for (const kind of ["pointerdown", "keydown", "touchstart"]) {
  document.addEventListener(kind, () => { lastTouch = Date.now(); }, { capture: true });
}
setInterval(() => {
  const idle = (kiosk.settings ? kiosk.settings.idle_seconds : 60) * 1000;
  const away = kiosk.service !== null || kiosk.lang !== "it";
  if (!kiosk.session && away && Date.now() - lastTouch > idle) reset();
}, 1000);

// -- settings and out of service ---------------------------------------------------------

async function refreshSettings() {
  try {
    const response = await fetch("/api/kiosk/settings", { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401 || response.status === 403) {
      location.assign("/kiosk/enroll?refused=1"); // revoked: the enrolment page says so
      return null;
    }
    if (!response.ok) throw new Error(String(response.status));
    kiosk.settings = await response.json();
    if (!kiosk.service) showServices();
    return kiosk.settings;
  } catch (error) { // the engine away: the caller tries again
    return null;
  }
}

function inService() {
  return kiosk.registered && kiosk.feedOpen && (!kiosk.feed || kiosk.feed.in_service);
}

function showAvailability() {
  $("k-oos").hidden = inService();
  document.body.dataset.inService = String(inService());
}

// -- the live feed -----------------------------------------------------------------------

let feedRetries = 0;
function openFeed() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/kiosk`);
  socket.addEventListener("open", () => { feedRetries = 0; kiosk.feedOpen = true; showAvailability(); });
  socket.addEventListener("message", (event) => {
    kiosk.feed = JSON.parse(event.data);
    showAvailability();
    if (kiosk.session) showFigures();
  });
  socket.addEventListener("close", (event) => {
    kiosk.feedOpen = false;
    showAvailability();
    if (event.code === 1008) { location.assign("/kiosk/enroll?refused=1"); return; }
    const wait = Math.min(RETRY_MOST, RETRY_FIRST * 2 ** feedRetries++);
    setTimeout(openFeed, wait);
  });
}

function minutes(seconds) {
  if (seconds === null || seconds === undefined) return t("kiosk.wait_unknown");
  if (seconds < 60) return t("kiosk.wait_short");
  return t("kiosk.wait", { minutes: Math.ceil(seconds / 60) });
}

// What the call screen says: connecting, waiting (place and wait), ringing, talking.
function showFigures() {
  const call = kiosk.feed && kiosk.feed.call;
  if (call) kiosk.seenInQueue = true;
  if (call && call.voice) $("k-voice").hidden = false;
  let state = "connecting";
  let figures = "";
  if (kiosk.talking || (call && call.stage === "talking")) {
    state = "talking";
  } else if (call && call.ringing) {
    state = "ringing";
  } else if (call) {
    state = "waiting";
    figures = `${t("kiosk.place", { place: call.position })}\n${minutes(call.estimated_wait)}`;
  }
  if (state === "talking") kiosk.talking = true;
  $("k-state").dataset.state = state;
  $("k-state").textContent = t(`kiosk.${state}`);
  $("k-figures").textContent = figures;
  $("k-figures").dataset.position = call && call.position ? call.position : "";
}

// -- the call ----------------------------------------------------------------------------

async function media(video) {
  return navigator.mediaDevices.getUserMedia({ audio: true, video: video ? { width: 640, height: 480 } : false });
}

$("k-call").addEventListener("click", async () => {
  let stream;
  try {
    stream = await media(true);
  } catch (error) { // no camera, or refused: offer a voice-only call
    $("k-nocamera").hidden = $("k-audio").hidden = false;
    $("k-call").hidden = true;
    $("k-audio").focus();
    return;
  }
  call(stream);
});

$("k-audio").addEventListener("click", async () => {
  try {
    call(await media(false));
  } catch (error) {
    $("k-nocamera").hidden = false;
  }
});

function call(stream) {
  const service = kiosk.service;
  kiosk.stream = stream;
  kiosk.seenInQueue = kiosk.talking = false;
  $("k-voice").hidden = true;
  $("k-self").srcObject = stream;
  $("k-self").hidden = stream.getVideoTracks().length === 0;
  show("k-calling");
  showFigures();
  const host = new URL(kiosk.settings.uri.replace(/^sip:/, "http://")).hostname;
  const session = (kiosk.session = kiosk.ua.call(`sip:${service.id}@${host}`, {
    mediaStream: stream,
    pcConfig: PC_CONFIG,
    rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: true },
  }));
  session.connection.addEventListener("track", ({ track, streams }) => {
    const remote = streams[0] || new MediaStream([track]);
    if (track.kind === "video") $("k-remote").srcObject = remote;
    else $("k-voice-out").srcObject = remote;
  });
  session.on("ended", () => ended(session, "kiosk.ended"));
  session.on("failed", () => ended(session, "kiosk.failed"));
  $("k-hangup").focus();
}

$("k-hangup").addEventListener("click", () => {
  if (kiosk.session && !kiosk.session.isEnded()) kiosk.session.terminate();
});

async function ended(session, text) {
  if (session !== kiosk.session) return;
  const talked = kiosk.talking;
  kiosk.session = null;
  stopMedia();
  const service = kiosk.service;
  // Never talked: the engine may have refused it (closed meanwhile): then the hours.
  const settings = talked ? null : await refreshSettings();
  const now = settings && service && settings.services.find((s) => s.id === service.id);
  if (now && !now.open) {
    showService(now);
    return;
  }
  $("k-ended-text").textContent = t(text);
  show("k-ended");
  $("k-reset").focus();
  kiosk.endedTimer = setTimeout(reset, ENDED_SHOWN);
}

function stopMedia() {
  if (kiosk.stream) for (const track of kiosk.stream.getTracks()) track.stop();
  kiosk.stream = null;
  $("k-self").srcObject = $("k-remote").srcObject = $("k-voice-out").srcObject = null;
}

// -- the SIP account ---------------------------------------------------------------------

function register(settings) {
  const { JsSIP } = window;
  const ua = (kiosk.ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(settings.websocket)],
    uri: settings.uri,
    password: settings.password,
    display_name: settings.display_name,
    session_timers: false,
    register: true,
    connection_recovery_min_interval: RETRY_FIRST / 1000,
    connection_recovery_max_interval: RETRY_MOST / 1000,
  }));
  const state = (registered) => () => { kiosk.registered = registered; showAvailability(); };
  ua.on("registered", state(true));
  ua.on("unregistered", state(false));
  ua.on("disconnected", () => { state(false)(); refreshSettings(); });
  ua.on("registrationFailed", state(false));
  ua.start();
}

async function start() {
  translate();
  show("k-start");
  showAvailability();
  let settings = await refreshSettings();
  for (let retries = 0; !settings; retries++) { // the engine away: out of service until it answers
    await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MOST, RETRY_FIRST * 2 ** retries)));
    settings = await refreshSettings();
  }
  register(settings);
  openFeed();
}

start();
