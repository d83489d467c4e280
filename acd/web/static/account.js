// The password change on /account: JSON with the session's CSRF token.
"use strict";
const form = document.getElementById("change");
const result = document.getElementById("change-result");
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const [current, fresh, again] = ["current", "new", "again"].map((id) => document.getElementById(id).value);
  if (fresh !== again) {
    result.textContent = result.dataset.mismatch;
    return;
  }
  const response = await fetch("/api/me/password", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify({ current, new: fresh }),
  });
  const body = await response.json();
  if (response.ok) {
    document.querySelector('meta[name="csrf-token"]').content = body.csrf;
    document.querySelectorAll('input[name="csrf"]').forEach((input) => { input.value = body.csrf; });
    form.reset();
    result.textContent = result.dataset.saved;
  } else {
    result.textContent = body.message;
  }
});
