// The administrator's accounts page: the list from /api/accounts, and its actions.
"use strict";
const words = document.getElementById("words").dataset;
const result = document.getElementById("admin-result");
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  result.textContent = response.ok ? result.dataset.done : answer.message;
  return response.ok;
}

function row(account) {
  const tr = document.getElementById("row").content.firstElementChild.cloneNode(true);
  tr.dataset.user = account.user;
  tr.querySelector(".user").textContent = account.user;
  tr.querySelector(".name").textContent = account.name;
  tr.querySelector(".role").textContent = words["role" + account.role[0].toUpperCase() + account.role.slice(1)];
  tr.querySelector(".agent").textContent = account.agent || "";
  tr.querySelector(".state").textContent = account.disabled ? words.disabled : words.enabled;
  tr.querySelector(".last").textContent = account.last_login
    ? new Date(account.last_login).toLocaleString(document.documentElement.lang) : words.never;
  const toggle = tr.querySelector(".toggle");
  toggle.textContent = account.disabled ? words.enable : words.disable;
  toggle.addEventListener("click", async () => {
    if (await post(`/api/accounts/${account.user}/${account.disabled ? "enable" : "disable"}`, {})) load();
  });
  tr.querySelector(".reset-label").textContent = words.resetFor.replace("{user}", account.user);
  tr.querySelector(".reset").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = event.target.querySelector("input");
    if (await post(`/api/accounts/${account.user}/password`, { password: input.value })) event.target.reset();
  });
  return tr;
}

async function load() {
  const response = await fetch("/api/accounts");
  const { accounts } = await response.json();
  document.querySelector("#accounts tbody").replaceChildren(...accounts.map(row));
}

document.getElementById("add").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = Object.fromEntries(form.entries());
  if (!body.agent) delete body.agent;
  if (await post("/api/accounts", body)) {
    event.target.reset();
    load();
  }
});

load();
