// The supervisor's live page: queues, waiting calls and agents from one websocket (a fresh
// snapshot after every change), and the supervisor's own actions on them: force an agent
// ready, paused or logged out; move a waiting call or raise its priority; listen to,
// whisper to or barge in on an agent's call from its phone. Rows are kept and updated in
// place (their controls rebuilt only when what they offer changes), so keyboard focus
// stays where the supervisor left it while the figures tick.
"use strict";
const W = JSON.parse(document.getElementById("live-words").textContent);
const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const fill = (text, values) => Object.entries(values).reduce((t, [k, v]) => t.replace(`{${k}}`, v), text);

function seconds(s) {
  const m = Math.floor(s / 60), r = Math.floor(s % 60);
  return m ? fill(W.minutes, { m, s: r }) : fill(W.seconds, { s: r });
}

// Durations tick every second in the browser from the server's timestamps.
let last = null;
let skew = 0;

function elapsed(iso) {
  return Math.max(0, (Date.now() - skew - Date.parse(iso)) / 1000);
}

// -- the supervisor's requests -------------------------------------------------------------

const result = document.getElementById("action-result");

async function act(path, body) {
  const response = await fetch(path, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
    body: JSON.stringify(body || {}),
  });
  const answer = await response.json().catch(() => ({}));
  result.classList.toggle("error", !response.ok);
  result.textContent = response.ok ? W.done : (W.errors[answer.error] || answer.message || response.statusText);
  return response.ok;
}

// Where the supervisor listens: the phone in this browser while it is on and registered,
// else its desk phone.
function phone() {
  const use = document.getElementById("phone-use");
  const line = document.getElementById("phone-registration");
  return use && use.checked && line && line.dataset.state === "registered" ? "web" : "desk";
}

function button(text, label, onclick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.dataset.action = text;
  b.addEventListener("click", onclick);
  return b;
}

function select(label, options, chosen) {
  const s = document.createElement("select");
  s.setAttribute("aria-label", label);
  for (const [value, text] of options) s.add(new Option(text, value, false, value === chosen));
  return s;
}

// -- keyed rows, kept in place -------------------------------------------------------------

function cell(row, cls) {
  const td = row.insertCell();
  if (cls) td.className = cls;
  return td;
}

function setText(el, text) {
  const value = String(text);
  if (el.textContent !== value) el.textContent = value;
}

// The rows of ``body`` follow ``items``: a row per key, made once (``make``), updated each
// time (``update``), moved only when out of place, removed when gone.
function keyed(body, items, keyOf, make, update) {
  const rows = new Map([...body.rows].map((r) => [r.dataset.key, r]));
  items.forEach((item, i) => {
    const key = String(keyOf(item));
    let row = rows.get(key);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.key = key;
      make(row, item);
    }
    rows.delete(key);
    if (body.rows[i] !== row) body.insertBefore(row, body.rows[i] || null);
    update(row, item);
  });
  for (const gone of rows.values()) gone.remove();
}

// The controls of a row, rebuilt only when what they offer (``signature``) changed.
function controls(td, signature, build) {
  if (td.dataset.signature === signature) return;
  const focused = td.contains(document.activeElement) ? document.activeElement.dataset.action : null;
  td.dataset.signature = signature;
  td.replaceChildren(...build());
  if (focused === null) return;
  // the same control again, or (it is gone: the agent's state changed) the row's first one
  const again = td.querySelector(`[data-action="${CSS.escape(focused)}"]`) || td.querySelector("button, select");
  if (again) again.focus();
}

// -- queues --------------------------------------------------------------------------------

function renderQueues(queues) {
  keyed(document.querySelector("#queues tbody"), queues, (q) => q.service, (row, q) => {
    row.dataset.service = q.service;
    for (const cls of ["", "num waiting", "num longest", "num ready", "num busy"]) cell(row, cls);
    setText(row.cells[0], q.name);
  }, (row, q) => {
    const longest = q.calls.reduce((m, c) => Math.max(m, elapsed(c.entered_at)), 0);
    setText(row.cells[1], q.waiting);
    setText(row.cells[2], seconds(longest));
    setText(row.cells[3], q.agents_ready);
    setText(row.cells[4], q.agents_busy);
  });
}

// -- waiting calls -------------------------------------------------------------------------

function renderCalls(queues) {
  const calls = queues.flatMap((q) => q.calls.map((c) => ({ ...c, service: q.service, service_name: q.name })));
  document.getElementById("no-calls").hidden = calls.length > 0;
  keyed(document.querySelector("#calls tbody"), calls, (c) => c.call_id, (row, c) => {
    row.dataset.call = c.call_id;
    for (const cls of ["", "", "num", "num position", "num priority", "actions"]) cell(row, cls);
  }, (row, c) => {
    setText(row.cells[0], c.service_name);
    setText(row.cells[1], c.caller);
    setText(row.cells[2], seconds(elapsed(c.entered_at)));
    setText(row.cells[3], c.stage === "waiting" ? c.position : W.call_ringing);
    setText(row.cells[4], c.priority);
    const signature = `${c.stage}|${c.service}`;
    controls(row.cells[5], signature, () => callControls(c));
  });
}

function callControls(c) {
  if (c.stage !== "waiting") return [];
  const who = c.caller;
  const others = W.services.filter(([id]) => id !== c.service);
  const to = select(fill(W.for, { action: W.move_to, name: who }), others);
  to.dataset.action = "move-to";
  return [
    to,
    button(W.move, fill(W.for, { action: W.move, name: who }),
      () => act(`/api/calls/${encodeURIComponent(c.call_id)}/move`, { service: to.value })),
    button(W.raise, fill(W.for, { action: W.raise, name: who }),
      () => act(`/api/calls/${encodeURIComponent(c.call_id)}/priority`, {})),
  ];
}

// -- agents --------------------------------------------------------------------------------

function mine(snap) {
  return (snap.supervision || []).find((s) => s.supervisor === W.me) || null;
}

function renderAgents(snap) {
  const names = Object.fromEntries(W.services);
  const mySpy = mine(snap);
  keyed(document.querySelector("#agents tbody"), snap.agents, (a) => a.id, (row, a) => {
    row.dataset.agent = a.id;
    cell(row);
    const state = cell(row);
    const badge = document.createElement("span");
    const spies = document.createElement("span");
    spies.className = "spies";
    state.append(badge, spies);
    for (const cls of ["num", "", "services", "num answered", "actions"]) cell(row, cls);
    setText(row.cells[0], a.name);
  }, (row, a) => {
    const [badge, spies] = row.cells[1].children;
    badge.className = `state state-${a.state}`;
    setText(badge, W.states[a.state] + (a.reason && a.state === "paused" ? ` (${a.reason})` : ""));
    const on = (snap.supervision || []).filter((s) => s.agent === a.id)
      .map((s) => fill(W.listened_by, { who: W.supervisors[s.supervisor] || s.supervisor, mode: W.modes[s.mode] }));
    setText(spies, on.length ? ` ${on.join(", ")}` : "");
    setText(row.cells[2], seconds(elapsed(a.since)));
    setText(row.cells[3], a.skills.join(", "));
    // the services it works now (chosen at login or since); none while logged out
    setText(row.cells[4], a.state === "logged_out" ? "" : a.services.map((s) => names[s] || s).join(", "));
    setText(row.cells[5], a.answered);
    const listening = mySpy ? (mySpy.agent === a.id ? "me" : "other") : "none";
    controls(row.cells[6], `${a.state}|${listening}`, () => agentControls(a, listening));
  });
}

function agentControls(a, listening) {
  const agent = encodeURIComponent(a.id);
  const about = (action) => fill(W.for, { action, name: a.name });
  const out = [];
  if (["logged_out", "paused", "wrap_up"].includes(a.state)) {
    out.push(button(W.ready, about(W.ready), () => act(`/api/agents/${agent}/ready`)));
  }
  // a pause: at once, or after the call (ringing, on a call); logged out, it logs in paused
  const reason = select(about(W.reason), W.pause_reasons.map((r) => [r, r]));
  reason.dataset.action = "reason";
  out.push(reason, button(W.pause, about(W.pause),
    () => act(`/api/agents/${agent}/pause`, { reason: reason.value })));
  if (["ready", "paused", "wrap_up"].includes(a.state)) {
    out.push(button(W.logout, about(W.logout), () => act(`/api/agents/${agent}/logout`)));
  }
  if (a.state === "on_call" && W.has_phone && listening === "none") {
    for (const mode of ["listen", "whisper", "barge"]) {
      out.push(button(W[mode], about(W[mode]),
        () => act(`/api/agents/${agent}/listen`, { mode, phone: phone() })));
    }
  }
  if (listening === "me") {
    // another mode on the same phone call (no new ring): ChanSpy switches on a digit
    for (const mode of ["listen", "whisper", "barge"]) {
      out.push(button(W[mode], about(W[mode]), () => act("/api/supervision/mode", { mode })));
    }
    out.push(button(W.stop, about(W.stop), stopListening));
  }
  return out;
}

// -- the supervisor's own listening --------------------------------------------------------

function stopListening() {
  return act("/api/supervision/stop");
}

function renderMine(snap) {
  const spy = mine(snap);
  const section = document.getElementById("my-supervision");
  section.hidden = !spy;
  if (!spy) return;
  const agent = snap.agents.find((a) => a.id === spy.agent);
  setText(document.getElementById("my-supervision-text"),
    fill(W.ringing_me, { agent: agent ? agent.name : spy.agent, mode: W.modes[spy.mode] }));
}
document.getElementById("stop-listening").addEventListener("click", stopListening);

// -- the feed ------------------------------------------------------------------------------

function render() {
  if (!last) return;
  const focused = document.activeElement;
  renderQueues(last.queues);
  renderCalls(last.queues);
  renderAgents(last);
  renderMine(last);
  // a row moved (a call raised goes up): give the focus back to what had it
  if (focused && focused.isConnected && document.activeElement !== focused) focused.focus();
}

function connect() {
  const status = document.getElementById("status");
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.onmessage = (msg) => {
    const snap = JSON.parse(msg.data);
    skew = Date.now() - Date.parse(snap.at);
    last = snap;
    render();
    // Announce only what changes the picture, not every tick (screen readers).
    const waiting = snap.queues.reduce((n, q) => n + q.waiting, 0);
    let text = waiting === 1 ? W.waiting_one : fill(W.waiting_many, { n: waiting });
    if (snap.telephony_up === false) {  // AMI away: nothing reaches the agents until it is back
      text = fill(W.telephony_down, { waiting: text });
    }
    document.body.dataset.telephony = snap.telephony_up === false ? "down" : "up";
    if (status.textContent !== text) status.textContent = text;
    document.body.dataset.updated = snap.at;
  };
  ws.onclose = () => {
    status.textContent = W.lost;
    setTimeout(connect, 2000);
  };
}

connect();
setInterval(render, 1000);
