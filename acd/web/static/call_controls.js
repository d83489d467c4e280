// The agent's call controls: hang up, hold and resume, transfer to a service or to a ready
// colleague, or consult a ready colleague first (then complete, or go back to the caller).
// Like the rest of the panel it shows what the engine holds, never a guess: it
// follows the agent's own feed (a websocket of its own: the panel's script is another's)
// and every button is a request to the engine, whose refusal shows with its reason.
"use strict";
(() => {
  const section = document.getElementById("call-controls");
  if (!section) return;
  const $ = (id) => document.getElementById(id);
  const agent = section.dataset.agent;
  const said = $("call-status").dataset;
  const hold = section.querySelector("[data-control=hold]");
  const resume = section.querySelector("[data-control=resume]");
  const complete = section.querySelector("[data-control=complete]");
  const hangup = section.querySelector("[data-control=hangup]");
  const ENDED = { "not-answered": "notAnswered", "colleague-left": "colleagueLeft",
    failed: "failed" };
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  let targets = { services: [], agents: [] };

  // The screen pop (agent.js) names priority points with the words in #words: add ours.
  if ($("words")) $("words").dataset.reasonTransfer = $("call-words").dataset.reasonTransfer;

  async function control(name, body) {
    const response = await fetch(`/api/agents/${agent}/call/${name}`, {
      method: "POST",
      headers: { "X-CSRF-Token": csrf(), "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    const answer = await response.json().catch(() => ({}));
    $("call-error").textContent = response.ok ? "" : answer.message || response.statusText;
    return response.ok ? answer : null;
  }

  // Options that keep the one chosen if it is still there; a placeholder when none is.
  function fill(select, items, nobody) {
    const chosen = select.value;
    const options = items.map(([value, text]) => new Option(text, value, false, value === chosen));
    if (!options.length && nobody) options.push(new Option(nobody, ""));
    select.replaceChildren(...options);
    select.form.querySelectorAll("button").forEach((b) => { b.disabled = !items.length; });
  }

  function renderTargets() {
    fill($("transfer-service-to"), targets.services.map((s) => [s.service, s.name]));
    fill($("transfer-agent-to"), targets.agents.map((a) => [a.id, a.name]),
      $("transfer-agent").dataset.nobody);
  }

  // Focus never falls on nothing: a control hidden under it hands it on (``focused``: the
  // element that had it before the control was hidden, which the browser may blur at once).
  function handFocus(focused, from, to) {
    if (focused === from && to && to.offsetParent !== null) to.focus();
  }

  // The status line: a consultation first (made or asked for), then the call's own state.
  function status(desk, call) {
    const { consult, consult_ended: ended, consult_ended_with: name } = desk.agent;
    const named = (text, who) => text.replace("{name}", who);
    if (consult && consult.agent !== desk.agent.id) return named(said.consulted, consult.agent_name);
    if (consult) {
      return named(consult.answered ? said.consulting : said.consultRinging, consult.colleague_name);
    }
    if (ended && ENDED[ended]) return named(said[ENDED[ended]], name || "");
    return call.held ? said.held : call.stage === "talking" ? said.talking : said.waiting;
  }

  function render(desk) {
    const call = desk.call;
    // (a voice message the agent works is no call: agent.js shows it, with its own actions)
    const onCall = desk.agent.state === "on_call" && call !== null && !call.voice_message;
    const focused = document.activeElement;
    section.hidden = !onCall;
    if (onCall) $("call-result").textContent = "";
    if (!onCall) {
      $("call-error").textContent = ""; // a refusal belongs to the call that is over
      const next = [...document.querySelectorAll("#desk button")].find((b) => b.offsetParent);
      if (section.contains(focused)) handFocus(focused, focused, next);
      return;
    }
    const talking = call.stage === "talking";
    const consult = desk.agent.consult;
    const consulting = Boolean(consult) && consult.agent === desk.agent.id;
    const consulted = Boolean(consult) && !consulting; // a colleague consults this agent
    $("call-status").textContent = status(desk, call);
    $("call-status").classList.toggle("warning", call.held || consulted);
    hold.hidden = call.held || consulted;
    resume.hidden = !call.held || consulted;
    resume.textContent = consulting ? resume.dataset.consult : resume.dataset.call;
    complete.hidden = !consulting;
    complete.disabled = !(consulting && consult.answered);
    hangup.hidden = consulting;
    hangup.textContent = consulted ? hangup.dataset.consult : hangup.dataset.call;
    hold.disabled = !talking;
    section.querySelectorAll(".transfer").forEach((form) => {
      form.hidden = Boolean(consult);
      form.querySelector("select").disabled = !talking;
      if (!talking) form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    });
    if (talking) renderTargets();
    handFocus(focused, hold, resume);
    handFocus(focused, resume, hold);
    handFocus(focused, $("consult"), complete);
    handFocus(focused, complete, hold);
  }

  section.querySelectorAll("button[data-control]").forEach((button) => {
    button.addEventListener("click", async () => {
      const answer = await control(button.dataset.control);
      if (answer) render(answer);
    });
  });

  for (const [form, key] of [["transfer-service", "service"], ["transfer-agent", "agent"]]) {
    $(form).addEventListener("submit", async (event) => {
      event.preventDefault();
      const to = $(`${form}-to`).value;
      if (!to) return;
      const answer = await control("transfer", { [key]: to });
      if (!answer) return;
      render(answer);
      $("call-result").textContent = $("call-result").dataset.transferred;
    });
  }

  $("consult").addEventListener("click", async () => {
    const to = $("transfer-agent-to").value;
    if (!to) return;
    const answer = await control("consult", { agent: to });
    if (answer) render(answer);
  });

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/agents/${agent}`);
    ws.onmessage = (event) => {
      const feed = JSON.parse(event.data);
      targets = feed.transfer || targets;
      render(feed);
    };
    ws.onclose = () => setTimeout(connect, 2000);
  }
  connect();
})();
