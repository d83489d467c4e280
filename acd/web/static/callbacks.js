// The pending callbacks' actions (the supervisors' page /callbacks): cancel, or put off to
// a time of the center's (a datetime-local field: the engine reads it in the center's zone).
// After an answer the page is read again: it shows what the engine holds, never a guess.
"use strict";
(() => {
  const table = document.getElementById("callbacks");
  const result = document.getElementById("callbacks-result");
  const error = document.getElementById("error");
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  async function send(call, action, body) {
    const response = await fetch(`${table.dataset.api}/${encodeURIComponent(call)}/${action}`, {
      method: "POST",
      headers: { "X-CSRF-Token": csrf(), "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    const answer = await response.json();
    error.textContent = response.ok ? "" : answer.message;
    if (response.ok) {
      sessionStorage.setItem("callbacks-result", action === "cancel" ? result.dataset.cancelled : result.dataset.rescheduled);
      location.reload();
    }
  }

  table.addEventListener("click", (event) => {
    const button = event.target.closest("button.cancel");
    if (button) send(button.dataset.call, "cancel");
  });
  table.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    send(form.dataset.call, "reschedule", { at: form.elements.at.value });
  });
  const said = sessionStorage.getItem("callbacks-result");
  if (said) {
    result.textContent = said;
    sessionStorage.removeItem("callbacks-result");
  }
})();
