// The wallboard: one websocket (/ws/wallboard), the newest figures after every change.
// Rows are made once per service and agent and then only their changed cells are written,
// so a center of hundreds of agents costs little per message. Durations tick every second
// in the browser from the server's timestamps; the longest wait is coloured again as it
// grows. A level is never shown by colour alone: a mark (▲ amber, ■ red) and words for
// screen readers go with it.
"use strict";
const W = JSON.parse(document.getElementById("words").textContent);
const LANG = document.documentElement.lang;
const MARKS = { amber: "▲", red: "■" };
const SVG = "http://www.w3.org/2000/svg";
const percentFormat = new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 0 });

let last = null;  // the newest message
let skew = 0;  // browser clock minus server clock, in ms
let wentFullscreen = false;
const rows = new Map();  // service -> {row, cells}
const agentRows = new Map();  // agent id -> {row, cells} (table) or {tile, ...}
const chartKeys = new Map();  // service -> what its charts were drawn from
window.wallboardTimings = [];  // ms per render, for the tests and the benchmark

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

function elapsed(iso) {
  return Math.max(0, (Date.now() - skew - Date.parse(iso)) / 1000);
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function duration(seconds) {
  const s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function percent(x) {
  return x === null || x === undefined ? null : percentFormat.format(x);
}

function seconds(x) {
  return x === null || x === undefined ? null : duration(x);
}

function isTv() {
  return document.body.classList.contains("tv");
}

// -- one figure in a cell: its value, its level's mark and words -------------------------

function levelOf(value, band, lowerIsWorse) {
  if (value === null || value === undefined || !band || (band.amber === null && band.red === null)) {
    return null;
  }
  const worse = (limit) => limit !== null && (lowerIsWorse ? value < limit : value > limit);
  if (worse(band.red)) return "red";
  return worse(band.amber) ? "amber" : "ok";
}

function setFigure(cell, text, level) {
  const key = `${text}|${level}`;
  if (cell.dataset.key === key) return;
  cell.dataset.key = key;
  cell.dataset.level = level || "";
  cell.classList.remove("level-ok", "level-amber", "level-red");
  if (level) cell.classList.add(`level-${level}`);
  cell.replaceChildren();
  if (text === null) {
    cell.append(piece(W["wallboard.none"], "sr"), piece("—", "mark"));
  } else {
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = text;
    cell.append(value);
  }
  if (level === "amber" || level === "red") {
    cell.append(piece(MARKS[level], "mark"), piece(` ${W[`wallboard.${level}`]}`, "sr"));
  }
}

// A span: "sr" for screen readers only, "mark" seen but not read (the words say it).
function piece(text, kind) {
  const span = document.createElement("span");
  span.textContent = text;
  if (kind) span.className = kind;
  if (kind === "mark") span.setAttribute("aria-hidden", "true");
  return span;
}

function setText(cell, text) {
  if (cell.textContent !== text) cell.textContent = text;
}

// -- services ---------------------------------------------------------------------------

const SERVICE_CELLS = ["waiting", "longest", "callbacks", "ready", "talking", "wrap_up", "paused",
  "offered", "answered", "abandoned", "level", "asa", "aht", "called_back", "callbacks_failed"];

function serviceRow(service) {
  let found = rows.get(service.service);
  if (found) return found;
  const row = document.createElement("tr");
  row.dataset.service = service.service;
  const name = document.createElement("th");
  name.scope = "row";
  row.append(name);
  const cells = { name };
  for (const key of SERVICE_CELLS) {
    cells[key] = row.insertCell();
    cells[key].className = `num ${key}`;
  }
  found = { row, cells };
  rows.set(service.service, found);
  return found;
}

function renderServices(services) {
  const body = document.querySelector("#services tbody");
  services.forEach((s, i) => {
    const { row, cells } = serviceRow(s);
    if (body.rows[i] !== row) body.insertBefore(row, body.rows[i] || null);
    setText(cells.name, s.name);
    const t = s.today, lv = s.levels;
    setFigure(cells.waiting, String(s.waiting), lv.waiting);
    setFigure(cells.callbacks, String(s.callbacks_pending), null);
    setFigure(cells.ready, String(s.agents.ready), null);
    setFigure(cells.talking, String(s.agents.talking), null);
    setFigure(cells.wrap_up, String(s.agents.wrap_up), null);
    setFigure(cells.paused, String(s.agents.paused), null);
    setFigure(cells.offered, String(t.offered), null);
    setFigure(cells.answered, String(t.answered), null);
    const shorts = t.short_abandons ? ` ${fill(W["wallboard.short"], { n: t.short_abandons })}` : "";
    setFigure(cells.abandoned, `${t.abandoned}${shorts}`, lv.abandoned);
    setFigure(cells.level, percent(t.service_level), lv.service_level);
    setFigure(cells.asa, seconds(t.asa_seconds), lv.asa);
    setFigure(cells.aht, seconds(t.aht_seconds), lv.aht);
    setFigure(cells.called_back, String(s.callbacks_today.completed), null);
    setFigure(cells.callbacks_failed, String(s.callbacks_today.failed), null);
  });
  for (const [service, { row }] of rows) {
    if (!services.some((s) => s.service === service)) {
      row.remove();
      rows.delete(service);
    }
  }
  tickServices();
}

function tickServices() {
  for (const s of last.services) {
    const found = rows.get(s.service);
    if (!found) continue;
    const wait = s.oldest_entry ? elapsed(s.oldest_entry) : 0;
    setFigure(found.cells.longest, duration(wait), levelOf(wait, s.limits.longest_wait_seconds, false));
  }
}

function renderHow(services) {
  const groups = new Map();  // the same definition text: one line naming its services
  for (const s of services) {
    const r = s.rule;
    const text = fill(W[`wallboard.def.${r.definition}`], { t: r.target_seconds, s: r.short_abandon_seconds });
    if (!groups.has(text)) groups.set(text, []);
    groups.get(text).push(s.name);
  }
  const lines = [...groups].map(([definition, names]) =>
    fill(W["wallboard.how_level"], { services: names.join(", "), definition }));
  const list = document.getElementById("definitions");
  if (list.dataset.key !== lines.join("\n")) {
    list.dataset.key = lines.join("\n");
    list.replaceChildren(...lines.map((line) => {
      const li = document.createElement("li");
      li.textContent = line;
      return li;
    }));
  }
  const shorts = [...new Set(services.map((s) => s.rule.short_abandon_seconds))].join("/");
  setText(document.getElementById("rest"), fill(W["wallboard.how_rest"], { s: shorts }));
}

// -- charts: inline SVG, one pair per service, drawn again only when their data change ----

function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  return node;
}

function waitingChart(service, labels) {
  const values = service.trend.waiting, n = values.length, h = 40;
  const most = Math.max(1, ...values.map((v) => v || 0));
  const known = values.filter((v) => v !== null);
  const label = fill(W["wallboard.chart_waiting_label"], {
    service: service.name, from: labels[0], to: labels[n - 1],
    most: known.length ? Math.max(...known) : W["wallboard.none"],
    last: values[n - 1] ?? W["wallboard.none"],
  });
  const chart = svg("svg", { viewBox: `0 0 ${n * 8} ${h}`, role: "img", "aria-label": label,
    class: "chart waiting-chart", preserveAspectRatio: "none" });
  chart.append(svg("line", { x1: 0, y1: h - 0.5, x2: n * 8, y2: h - 0.5, class: "axis" }));
  values.forEach((v, i) => {
    if (!v) return;
    const bar = Math.max(1, (v / most) * (h - 2));
    chart.append(svg("rect", { x: i * 8 + 1, y: h - bar, width: 6, height: bar, class: "column" }));
  });
  return chart;
}

function levelChart(service, labels) {
  const values = service.trend.service_level, n = values.length, h = 40;
  const known = values.filter((v) => v !== null);
  const band = service.limits.service_level;
  // from 50 % (or lower, in tenths, to show the lowest value and the red line) to 100 %
  const floor = Math.min(0.5, Math.floor(Math.min(...known, band.red ?? 1) * 10) / 10);
  const y = (v) => h - 1 - ((v - floor) / (1 - floor)) * (h - 2);
  const latest = [...values].reverse().find((v) => v !== null);
  const label = fill(W["wallboard.chart_level_label"], {
    service: service.name, from: labels[0], to: labels[n - 1],
    lowest: known.length ? percent(Math.min(...known)) : W["wallboard.none"],
    last: latest !== undefined ? percent(latest) : W["wallboard.none"],
  });
  const chart = svg("svg", { viewBox: `0 0 ${n * 8} ${h}`, role: "img", "aria-label": label,
    class: "chart level-chart", preserveAspectRatio: "none" });
  for (const [limit, cls] of [[band.red, "limit-red"], [band.amber, "limit-amber"]]) {
    if (limit !== null) {
      chart.append(svg("line", { x1: 0, y1: y(limit), x2: n * 8, y2: y(limit), class: cls }));
    }
  }
  let path = "";
  values.forEach((v, i) => {
    if (v === null) return;
    const x = i * 8 + 4;
    path += `${path && values[i - 1] !== null ? "L" : "M"}${x} ${y(v).toFixed(1)} `;
    chart.append(svg("rect", { x: x - 1.5, y: y(v) - 1.5, width: 3, height: 3, class: "point" }));
  });
  if (path) chart.append(svg("path", { d: path, class: "line" }));
  return chart;
}

function renderCharts(msg) {
  const box = document.getElementById("charts");
  const labels = msg.trend_labels;
  for (const s of msg.services) {
    const key = JSON.stringify([s.name, s.trend, s.limits.service_level, labels[0]]);
    if (chartKeys.get(s.service) === key) continue;
    chartKeys.set(s.service, key);
    let figure = box.querySelector(`figure[data-service="${CSS.escape(s.service)}"]`);
    if (!figure) {
      figure = document.createElement("figure");
      figure.dataset.service = s.service;
      box.append(figure);
    }
    const caption = document.createElement("figcaption");
    caption.textContent = s.name;
    const axis = document.createElement("p");
    axis.className = "axis-labels";
    axis.setAttribute("aria-hidden", "true");
    axis.append(piece(labels[0]), piece(labels[labels.length - 1]));
    figure.replaceChildren(caption, waitingChart(s, labels), levelChart(s, labels), axis);
  }
}

// -- agents: a table, or tiles in TV mode ------------------------------------------------

function stateText(a) {
  let text = W[`state.${a.state}`] || a.state;
  if (a.state === "paused" && a.reason) text += ` (${a.reason})`;
  if (a.pending_pause) text += ` · ${fill(W["wallboard.then_pause"], { reason: a.pending_pause })}`;
  return text;
}

// The call's service and how long it has lasted (a tile has its time in state beside it:
// the same figure, so only the service).
function callText(a, names, tile) {
  if (!a.call_service) return "—";
  const held = a.call_held ? ` (${W["wallboard.held"]})` : "";
  const talking = a.state === "on_call" || a.state === "ringing";
  const running = talking && !tile ? ` · ${duration(elapsed(a.since))}` : "";
  return `${names.get(a.call_service) || a.call_service}${held}${running}`;
}

function agentRow(a, tiles) {
  let found = agentRows.get(a.id);
  if (found && found.tiles === tiles) return found;
  if (found) found.node.remove();
  let node, cells;
  if (tiles) {
    node = document.createElement("li");
    node.className = "tile";
    cells = {};
    for (const key of ["name", "state", "for", "call", "today"]) {
      cells[key] = document.createElement("span");
      cells[key].className = `agent-${key}`;
      node.append(cells[key]);
    }
  } else {
    node = document.createElement("tr");
    cells = { name: document.createElement("th") };
    cells.name.scope = "row";
    node.append(cells.name);
    for (const key of ["state", "for", "call", "today"]) {
      cells[key] = node.insertCell();
      cells[key].className = `agent-${key}`;
    }
    cells.for.classList.add("num");
    cells.today.classList.add("num");
  }
  node.dataset.agent = a.id;
  found = { node, cells, tiles };
  agentRows.set(a.id, found);
  return found;
}

function renderAgents(agents) {
  const tiles = isTv();
  const box = tiles ? document.getElementById("agent-tiles") : document.querySelector("#agents tbody");
  document.getElementById("agents").hidden = tiles;
  document.getElementById("agent-tiles").hidden = !tiles;
  agents.forEach((a, i) => {
    const { node, cells } = agentRow(a, tiles);
    if (box.children[i] !== node) box.insertBefore(node, box.children[i] || null);
    setText(cells.name, a.name);
    if (cells.state.dataset.key !== `${a.state}|${stateText(a)}`) {
      cells.state.dataset.key = `${a.state}|${stateText(a)}`;
      const badge = document.createElement("span");
      badge.className = `state state-${a.state}`;
      badge.textContent = stateText(a);
      cells.state.replaceChildren(badge);
    }
    setText(cells.today, tiles ? `☎ ${a.answered_today}` : String(a.answered_today));
    if (tiles) cells.today.setAttribute("aria-label", `${W["wallboard.calls_today"]}: ${a.answered_today}`);
  });
  const ids = new Set(agents.map((a) => a.id));
  for (const [id, { node }] of agentRows) {
    if (!ids.has(id)) {
      node.remove();
      agentRows.delete(id);
    }
  }
  tickAgents();
}

function tickAgents() {
  const names = new Map(last.services.map((s) => [s.service, s.name]));
  for (const a of last.agents) {
    const found = agentRows.get(a.id);
    if (!found) continue;
    setText(found.cells.for, duration(elapsed(a.since)));
    setText(found.cells.call, callText(a, names, found.tiles));
  }
}

// -- the whole page ----------------------------------------------------------------------

function render() {
  if (!last) return;
  const started = performance.now();
  renderServices(last.services);
  renderHow(last.services);
  renderCharts(last);
  renderAgents(last.agents);
  renderStatus(last);
  const took = performance.now() - started;
  window.wallboardTimings.push(took);
  if (window.wallboardTimings.length > 100) window.wallboardTimings.shift();
  document.body.dataset.updated = last.at;
}

function renderStatus(msg) {
  const waiting = msg.services.reduce((n, s) => n + s.waiting, 0);
  const ready = msg.agents.filter((a) => a.state === "ready").length;
  let text = fill(W["wallboard.summary"], { waiting, ready });
  if (msg.telephony_up === false) text = `${W["wallboard.telephony_down"]} ${text}`;
  document.body.dataset.telephony = msg.telephony_up === false ? "down" : "up";
  setText(document.getElementById("status"), text);
}

function tick() {
  if (last) {
    tickServices();
    tickAgents();
  }
  const now = new Date(Date.now() - skew);
  const zone = last ? { timeZone: last.timezone } : {};  // the center's time, wherever the screen is
  setText(document.getElementById("clock"),
    now.toLocaleTimeString(LANG, { hour: "2-digit", minute: "2-digit", ...zone }));
}

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/wallboard`);
  ws.onmessage = (msg) => {
    last = JSON.parse(msg.data);
    skew = Date.now() - Date.parse(last.at);
    render();
    startAdvice();
  };
  ws.onclose = () => {
    setText(document.getElementById("status"), W["wallboard.lost"]);
    setTimeout(connect, 2000);
  };
}

// -- TV mode: the link (full screen where the browser allows), Esc or the leave link -----

function setTv(on) {
  document.body.classList.toggle("tv", on);
  const url = new URL(location.href);
  if (on) url.searchParams.set("tv", "1");
  else url.searchParams.delete("tv");
  history.replaceState(null, "", url);
  if (on && document.documentElement.requestFullscreen) {
    document.documentElement.requestFullscreen().then(() => { wentFullscreen = true; }, () => {});
  } else if (!on && document.fullscreenElement) {
    wentFullscreen = false;
    document.exitFullscreen().catch(() => {});
  }
  render();
  document.getElementById(on ? "main" : "to-tv").focus({ preventScroll: on });
}

document.getElementById("to-tv").addEventListener("click", (event) => {
  event.preventDefault();
  setTv(true);
});
document.getElementById("leave-tv").addEventListener("click", (event) => {
  event.preventDefault();
  setTv(false);
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && isTv()) setTv(false);
});
document.addEventListener("fullscreenchange", () => {
  // Esc in full screen is the browser's: it leaves full screen, and TV mode with it.
  if (!document.fullscreenElement && wentFullscreen) {
    wentFullscreen = false;
    if (isTv()) setTv(false);
  }
});

// -- the staffing advice of the next two hours (GET /api/staffing): a database read,
// not part of the live push; it changes with the quarter hour, so every 5 minutes is enough.

const ADVICE_EVERY_MS = 5 * 60 * 1000;

function clockOf(iso) {
  return iso.slice(11, 16);  // the instant's wall clock in the center's zone (its offset)
}

function adviceCell(row, now) {
  const cell = document.createElement("td");
  cell.className = "num";
  if (row.advised === null || row.advised === undefined) {
    cell.append(piece("—", "mark"), piece(W["wallboard.advice_none"], "sr"));
    return cell;
  }
  const offered = row.forecast_offered === null ? "—" : Math.round(row.forecast_offered);
  cell.append(piece(String(row.advised)),
    piece(` (${offered})`, "mark"),
    piece(` ${fill(W["wallboard.advice_cell"], { advised: row.advised, offered })}`, "sr"));
  if (now !== null && now < row.advised) {
    cell.classList.add("level-amber");
    cell.append(piece(MARKS.amber, "mark"), piece(` ${W["wallboard.advice_short"]}`, "sr"));
  }
  return cell;
}

function renderAdvice(advice) {
  const table = document.getElementById("advice");
  const first = advice.services[0];
  const head = document.createElement("tr");
  head.append(Object.assign(document.createElement("th"), { scope: "col",
    textContent: W["wallboard.service"] }), Object.assign(document.createElement("th"),
    { scope: "col", textContent: W["wallboard.advice_now"] }));
  for (const row of first ? first.intervals : []) {
    head.append(Object.assign(document.createElement("th"), { scope: "col",
      textContent: clockOf(row.start) }));
  }
  table.tHead.replaceChildren(head);
  const names = new Map((last ? last.services : []).map((s) => [s.service, s.name]));
  const body = advice.services.map((service) => {
    const tr = document.createElement("tr");
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = names.get(service.service) || service.service;
    const staffed = service.intervals.length ? service.intervals[0].staffed : null;
    const now = staffed === null || staffed === undefined ? null : Math.round(staffed * 10) / 10;
    const nowCell = document.createElement("td");
    nowCell.className = "num";
    nowCell.textContent = now === null ? "—" : String(now).replace(".", LANG === "it" ? "," : ".");
    tr.append(name, nowCell, ...service.intervals.map((row, i) => adviceCell(row, i === 0 ? now : null)));
    return tr;
  });
  table.tBodies[0].replaceChildren(...body);
}

async function loadAdvice() {
  const status = document.getElementById("advice-status");
  try {
    const response = await fetch("/api/staffing?hours=2", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    renderAdvice(await response.json());
    const time = new Date().toLocaleTimeString(LANG, { hour: "2-digit", minute: "2-digit",
      ...(last ? { timeZone: last.timezone } : {}) });
    setText(status, fill(W["wallboard.advice_updated"], { time }));
  } catch (error) {
    setText(status, W["wallboard.advice_failed"]);  // the last advice stays shown
  }
}

// Started by the first figures: the advice names services and tells time as they do.
let adviceStarted = false;
function startAdvice() {
  if (adviceStarted) return;
  adviceStarted = true;
  loadAdvice();
  setInterval(loadAdvice, ADVICE_EVERY_MS);
}

document.getElementById("main").tabIndex = -1;
connect();
tick();
setInterval(tick, 1000);
