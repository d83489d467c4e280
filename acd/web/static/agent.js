// The agent's panel: its own live feed over a websocket, its actions through the JSON API
// (the page shows the state the engine holds, never a guess), the screen pop and wrap-up.
"use strict";
const agent = document.getElementById("desk").dataset.agent;
const words = document.getElementById("words").dataset;
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);
const lang = document.documentElement.lang;
// Times as the center's clock reads them (its opening hours, its callbacks' slots), wherever
// the agent's browser thinks it is.
const timeZone = document.getElementById("desk").dataset.timezone || undefined;
let skew = 0, since = null, shownCall = null, lastCall = null, lastState = null, shownTask = null;
let working = null; // the services the engine says the agent works (null: logged out)
const saved = new Set(); // calls whose outcome is saved: their form goes away

function seconds(s) {
  const m = Math.floor(s / 60), r = Math.floor(s % 60);
  return m ? `${m} min ${r} s` : `${r} s`;
}

// data-outcome-ivr-hangup -> dataset.outcomeIvrHangup; an IVR label is shown as it is.
function outcomeWord(outcome) {
  if (!outcome) return "";
  return words["outcome" + outcome.split("-").map((w) => w[0].toUpperCase() + w.slice(1)).join("")] || outcome;
}

function stateWord(state) {
  return words["state" + state.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("")];
}

// A refusal of a choice of services in the page's language; any other, the engine's words.
function refusal(answer) {
  const key = "choice" + (answer.error || "").split("-").map((w) => w && w[0].toUpperCase() + w.slice(1)).join("");
  return words[key] || answer.message;
}

async function api(method, path, body) {
  const options = { method, headers: { "X-CSRF-Token": csrf() } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const answer = await response.json();
  $("error").textContent = response.ok ? "" : refusal(answer);
  return response.ok ? answer : null;
}

// The services: checkboxes of those the agent holds. Logged out, they are the choice its
// login sends; logged in, they show what the engine says it works, and a change asks it.
const serviceBoxes = () => [...document.querySelectorAll("#services input[name=service]")];
const chosen = () => serviceBoxes().filter((box) => box.checked).map((box) => box.value);

function renderServices(agent) {
  working = agent.state === "logged_out" ? null : agent.services;
  const help = $("services-help");
  help.textContent = working ? help.dataset.live : help.dataset.login;
  if (working) serviceBoxes().forEach((box) => { box.checked = working.includes(box.value); });
}

async function chooseServices() {
  $("services-result").textContent = "";
  if (!working) return; // logged out: the login takes them
  const done = await api("POST", `/api/agents/${agent}/services`, { services: chosen() });
  if (done) {
    $("services-result").textContent = $("services-result").dataset.saved;
  } else {
    serviceBoxes().forEach((box) => { box.checked = working.includes(box.value); });
  }
}

function renderState(feed) {
  const a = feed.agent;
  $("state").dataset.state = a.state;
  $("state").textContent = stateWord(a.state) + (a.reason && a.state === "paused" ? ` (${a.reason})` : "");
  since = Date.parse(a.since);
  document.querySelectorAll("[data-when]").forEach((el) => {
    el.hidden = !el.dataset.when.split(" ").includes(a.state);
  });
  $("pending").hidden = !a.pending_pause;
  $("pending-reason").textContent = a.pending_pause || "";
  $("telephony").hidden = feed.telephony_up;
  // A supervisor on the call: in the feed only when the center's policy tells agents.
  const told = (feed.supervised || []).map((s) =>
    words.supervised.replace("{name}", s.name).replace("{mode}", words["mode" + s.mode[0].toUpperCase() + s.mode.slice(1)]));
  $("supervised").hidden = told.length === 0;
  if ($("supervised").textContent !== told.join(" ")) $("supervised").textContent = told.join(" ");
}

function renderQueues(queues) {
  $("my-queues").tBodies[0].replaceChildren(...queues.map((q) => {
    const row = document.createElement("tr");
    row.dataset.service = q.service;
    for (const text of [q.name, q.waiting, seconds(q.longest_wait_seconds)]) row.insertCell().textContent = text;
    return row;
  }));
}

async function showPop() {
  const pop = await api("GET", `/api/agents/${agent}/screen-pop`);
  if (!pop) return;
  lastCall = pop.call_id;
  $("wrap-result").textContent = "";
  $("pop").hidden = false;
  $("pop").dataset.call = pop.call_id;
  $("pop-caller").textContent = pop.caller;
  document.querySelectorAll(".kiosk-place").forEach((el) => { el.hidden = !pop.kiosk; });
  $("pop-kiosk").textContent = pop.kiosk ? pop.kiosk.place : ""; // a district totem's call
  // A callback: the agent's call goes to the number the citizen left, after its wait.
  const title = $("pop-title"), callback = pop.callback;
  title.textContent = callback ? title.dataset.callback.replace("{number}", callback.number) : title.dataset.call;
  document.querySelectorAll("#pop .callback").forEach((el) => { el.hidden = !callback; });
  // The wait on the line before asking: a kept place's only (none for a scheduled callback
  // or a voice message's, whose citizen was not on the line).
  const onLine = callback ? callback.waited_on_line_seconds : null;
  document.querySelectorAll("#pop .on-line").forEach((el) => { el.hidden = onLine === null; });
  $("pop-waited-on-line").textContent = onLine === null ? "" : seconds(onLine);
  $("pop-attempts").textContent = callback ? String(callback.attempts) : "";
  $("pop-service").textContent = pop.service_name || "";
  $("pop-path").textContent = pop.ivr_path.join(" > ");
  $("pop-language").textContent = words["lang" + pop.language[0].toUpperCase() + pop.language.slice(1)] || pop.language;
  $("pop-waited").textContent = seconds(pop.waited_seconds);
  $("pop-priority").textContent = pop.priority_reasons.length
    ? pop.priority_reasons.map((r) => `${words["reason" + r.reason[0].toUpperCase() + r.reason.slice(1)]} +${r.points}`).join(", ")
    : String(pop.priority);
  document.querySelectorAll(".act").forEach((el) => { el.hidden = !pop.act; });
  $("pop-act").textContent = pop.act ? `${pop.act.number} (${pop.act.result})` : "";
  renderHistory(pop.last_contacts);
  const select = $("disposition");
  select.replaceChildren(select.options[0]);
  for (const d of pop.dispositions) select.add(new Option(d, d));
  prefillSchedule(pop);
}

// Scheduling a callback (the side column's form, when a service of the agent takes them):
// the next openings of the chosen service, read again for each new call and when the
// service changes; the number is the pop's caller's until the agent types another.
const schedule = $("schedule-form");
let prefilled = "", popLanguage = null;

async function loadSlots() {
  if (!schedule) return;
  const answer = await api("GET", `/api/agents/${agent}/callbacks/slots`);
  if (!answer) return;
  const service = answer.services.find((s) => s.service === $("schedule-service").value);
  const select = $("schedule-slot"), other = select.querySelector("option[value=other]");
  const slots = (service ? service.slots : []).map((slot) => {
    const end = new Date(slot.end).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", timeZone });
    return new Option(`${shortTime(slot.start)}–${end}`, slot.start);
  });
  const before = select.value; // an opening chosen stays chosen while it is offered
  select.replaceChildren(...slots, other);
  const kept = slots.some((option) => option.value === before);
  select.value = kept ? before : select.options[0].value;
}

function prefillSchedule(pop) {
  if (!schedule) return;
  const number = pop.callback ? pop.callback.number : pop.caller, field = $("schedule-number");
  if (!field.value || field.value === prefilled) field.value = prefilled = number || "";
  popLanguage = pop.language;
  const service = [...$("schedule-service").options].find((o) => o.value === pop.service);
  if (service && service.value !== $("schedule-service").value) {
    $("schedule-service").value = service.value;
  }
  loadSlots();
}

async function scheduleCallback(event) {
  event.preventDefault();
  $("schedule-result").textContent = "";
  const slot = $("schedule-slot").value, at = slot === "other" ? $("schedule-at").value : slot;
  if (!at) {
    $("error").textContent = words.scheduleNoTime;
    $("schedule-at").focus();
    return;
  }
  const body = { service: $("schedule-service").value, number: $("schedule-number").value,
    at, note: $("schedule-note").value, language: popLanguage };
  const response = await fetch(`/api/agents/${agent}/callbacks`, { method: "POST",
    headers: { "X-CSRF-Token": csrf(), "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) {
    $("error").textContent = words["schedule" + camel(answer.error)] || answer.message;
    return;
  }
  $("error").textContent = "";
  $("schedule-result").textContent = words.scheduleDone;
  $("schedule-note").value = $("schedule-at").value = "";
  loadSlots();
}

const capital = (word) => word[0].toUpperCase() + word.slice(1);
// "already-pending" -> "AlreadyPending": a data-*-already-pending word's dataset key.
const camel = (code) => (code || "").split("-").filter(Boolean).map(capital).join("");
const shortTime = (iso) => new Date(iso).toLocaleString(lang, { weekday: "short", day: "numeric",
  month: "numeric", hour: "2-digit", minute: "2-digit", timeZone });

function renderHistory(contacts) {
  $("history-none").hidden = contacts.length > 0;
  $("history").hidden = contacts.length === 0;
  $("history").tBodies[0].replaceChildren(...contacts.map((c) => {
    const row = document.createElement("tr");
    const when = new Date(c.started_at).toLocaleString(lang, { timeZone });
    for (const text of [when, c.service_name || "", outcomeWord(c.outcome), c.agent_name || "", c.disposition || "", c.notes || ""]) {
      row.insertCell().textContent = text;
    }
    return row;
  }));
}

async function renderToday() {
  const answer = await api("GET", `/api/agents/${agent}/calls-today`);
  if (!answer) return;
  $("today").tBodies[0].replaceChildren(...answer.calls.map((c) => {
    const row = document.createElement("tr");
    const talk = c.talk_seconds == null ? "" : seconds(c.talk_seconds);
    for (const text of [new Date(c.started_at).toLocaleTimeString(lang, { timeZone }), c.caller, c.service_name || "", talk, c.disposition || ""]) {
      row.insertCell().textContent = text;
    }
    return row;
  }));
}

// Its own pending callbacks: rows made again only when they change (a half-typed time
// and the keyboard's focus stay put between two feeds).
let callbacksShown = "";
function renderCallbacks(callbacks) {
  const shown = JSON.stringify(callbacks.map((c) => [c.call_id, c.callback.state, c.callback.attempts]));
  if (shown === callbacksShown) return;
  callbacksShown = shown;
  $("my-callbacks").hidden = callbacks.length === 0;
  $("my-callbacks-none").hidden = callbacks.length > 0;
  $("my-callbacks").tBodies[0].replaceChildren(...callbacks.map((c, i) => {
    const row = document.createElement("tr"), number = c.callback.number;
    row.dataset.call = c.call_id;
    const head = document.createElement("th");
    head.scope = "row";
    head.textContent = number;
    row.append(head);
    row.insertCell().textContent = c.service_name;
    row.insertCell().textContent = words["callback" + c.callback.state[0].toUpperCase() + c.callback.state.slice(1)] || c.callback.state;
    row.insertCell().textContent = String(c.callback.attempts);
    row.insertCell().textContent = words["origin" + capital(c.callback.origin)] || c.callback.origin;
    row.insertCell().textContent = c.callback.scheduled_for ? shortTime(c.callback.scheduled_for) : "";
    row.insertCell().textContent = c.callback.note || "";
    const actions = row.insertCell();
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = words.callbackCancel.replace("{number}", number);
    cancel.addEventListener("click", () => callbackAction(c.call_id, "cancel"));
    const form = document.createElement("form"), label = document.createElement("label");
    const input = document.createElement("input"), submit = document.createElement("button");
    input.type = "datetime-local";
    input.required = true;
    input.id = label.htmlFor = `my-callback-at-${i}`;
    label.textContent = words.callbackAt.replace("{number}", number);
    submit.type = "submit";
    submit.textContent = words.callbackReschedule;
    form.append(label, input, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      callbackAction(c.call_id, "reschedule", { at: input.value });
    });
    actions.append(cancel, form);
    return row;
  }));
}

async function callbackAction(call, action, body) {
  const done = await api("POST", `/api/agents/${agent}/callbacks/${encodeURIComponent(call)}/${action}`, body || {});
  if (done) $("my-callbacks-result").textContent = action === "cancel" ? words.callbackCancelled : words.callbackRescheduled;
}

// The voice message the agent works: shown once per message (a half-chosen disposition and
// the player's position stay put between two feeds); its recording from the agent's route.
function renderTask(task) {
  $("task").hidden = !task;
  if (!task || task.message === shownTask) {
    if (!task) shownTask = null;
    return;
  }
  shownTask = task.message;
  $("task-result").textContent = "";
  $("pop").hidden = true;
  $("task-caller").textContent = task.caller;
  $("task-service").textContent = task.service_name || "";
  $("task-path").textContent = task.ivr_path.join(" > ");
  $("task-recorded").textContent = new Date(task.recorded_at).toLocaleString(lang, { timeZone });
  $("task-audio").src = `/api/agents/${agent}/voice-messages/${encodeURIComponent(task.message)}/audio`;
  const select = $("task-disposition");
  select.replaceChildren(select.options[0]);
  for (const d of task.dispositions) select.add(new Option(d, d));
  $("task-call-back").hidden = !task.can_call_back;
}

async function taskAction(action, body, done) {
  const path = `/api/agents/${agent}/voice-messages/${encodeURIComponent(shownTask)}/${action}`;
  if (await api("POST", path, body)) {
    $("task-audio").pause();
    $("task").hidden = true;
    $("task-result").textContent = done;
  }
}

function render(feed) {
  skew = Date.now() - Date.parse(feed.at);
  renderState(feed);
  renderServices(feed.agent);
  renderQueues(feed.queues);
  renderCallbacks(feed.callbacks || []);
  renderTask(feed.task);
  const call = feed.agent.call_id;
  if (call && call !== shownCall && !feed.task) showPop();
  shownCall = call;
  $("wrap").hidden = !lastCall || saved.has(lastCall) || feed.agent.state === "ringing" || !!feed.task;
  if (feed.agent.state !== lastState && ["wrap_up", "ready", "paused"].includes(feed.agent.state)) renderToday();
  lastState = feed.agent.state;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/agents/${agent}`);
  ws.onmessage = (event) => render(JSON.parse(event.data));
  ws.onclose = () => setTimeout(connect, 2000);
}

document.querySelectorAll("button[data-action]").forEach((button) => {
  button.addEventListener("click", () => {
    const action = button.dataset.action;
    let body = action === "pause" ? { reason: $("reason").value } : {};
    if (action === "login") {
      if (!chosen().length) {
        $("error").textContent = words.choiceNoServiceChosen;
        return;
      }
      body = { services: chosen() };
    }
    api("POST", `/api/agents/${agent}/${action}`, body);
  });
});
serviceBoxes().forEach((box) => box.addEventListener("change", chooseServices));
if (schedule) {
  schedule.addEventListener("submit", scheduleCallback);
  $("schedule-service").addEventListener("change", loadSlots);
  loadSlots();
}

$("wrap-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const done = await api("POST", `/api/agents/${agent}/disposition`,
    { call_id: lastCall, disposition: $("disposition").value, notes: $("notes").value });
  if (done) {
    saved.add(lastCall);
    $("wrap-result").textContent = words.saved;
    $("wrap").hidden = true;
    event.target.reset();
    renderToday();
  }
});

$("task-form").addEventListener("submit", (event) => {
  event.preventDefault();
  taskAction("close", { disposition: $("task-disposition").value }, words.taskClosed);
});
$("task-call-back").addEventListener("click", () => taskAction("call-back", {}, words.taskCalledBack));

setInterval(() => {
  if (since) $("since").textContent = seconds(Math.max(0, (Date.now() - skew - since) / 1000));
}, 1000);
connect();
