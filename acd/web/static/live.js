// Live queues and agents: one websocket, a fresh snapshot after every change.
"use strict";
const STATES = {
  ready: "Libero", ringing: "Squilla", on_call: "In conversazione",
  wrap_up: "Post-chiamata", paused: "In pausa", logged_out: "Non collegato",
};

function seconds(s) {
  const m = Math.floor(s / 60), r = Math.floor(s % 60);
  return m ? `${m} min ${r} s` : `${r} s`;
}

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

// Durations tick every second in the browser from the server's timestamps.
let last = null;
let skew = 0;

function elapsed(iso) {
  return Math.max(0, (Date.now() - skew - Date.parse(iso)) / 1000);
}

function longestWait(q) {
  return q.calls.reduce((m, c) => Math.max(m, elapsed(c.entered_at)), 0);
}

function renderQueues(queues) {
  const body = document.querySelector("#queues tbody");
  body.replaceChildren();
  for (const q of queues) {
    const row = body.insertRow();
    row.dataset.service = q.service;
    cell(row, q.name);
    cell(row, q.waiting, "num waiting");
    cell(row, seconds(longestWait(q)), "num");
    cell(row, q.agents_ready, "num");
    cell(row, q.agents_busy, "num");
  }
}

function renderAgents(agents, queues) {
  const body = document.querySelector("#agents tbody");
  const names = Object.fromEntries(queues.map((q) => [q.service, q.name]));
  body.replaceChildren();
  for (const a of agents) {
    const row = body.insertRow();
    row.dataset.agent = a.id;
    cell(row, a.name);
    const state = cell(row, "");
    const badge = document.createElement("span");
    badge.className = `state state-${a.state}`;
    badge.textContent = STATES[a.state] + (a.reason && a.state === "paused" ? ` (${a.reason})` : "");
    state.appendChild(badge);
    cell(row, seconds(elapsed(a.since)), "num");
    cell(row, a.skills.join(", "));
    // the services it works now (chosen at login or since); none while logged out
    cell(row, a.state === "logged_out" ? "" : a.services.map((s) => names[s] || s).join(", "), "services");
    cell(row, a.answered, "num answered");
  }
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
    let text = waiting === 1 ? "1 chiamata in attesa." : `${waiting} chiamate in attesa.`;
    if (snap.telephony_up === false) {  // AMI away: nothing reaches the agents until it is back
      text = `Collegamento con il centralino telefonico interrotto: ${text} ` +
        "Le chiamate restano in coda e saranno passate agli operatori appena torna.";
    }
    document.body.dataset.telephony = snap.telephony_up === false ? "down" : "up";
    if (status.textContent !== text) status.textContent = text;
    document.body.dataset.updated = snap.at;
  };
  ws.onclose = () => {
    status.textContent = "Connessione persa, nuovo tentativo…";
    setTimeout(connect, 2000);
  };
}
function render() {
  if (!last) return;
  renderQueues(last.queues);
  renderAgents(last.agents, last.queues);
}

connect();
setInterval(render, 1000);
