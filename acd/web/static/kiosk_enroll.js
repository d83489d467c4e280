// The totem's enrolment: the credential goes to POST /kiosk/enroll, which keeps it in an
// HttpOnly cookie (this script never stores it); then the kiosk page.
"use strict";
const form = document.getElementById("enroll");
const result = document.getElementById("enroll-result");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = document.getElementById("credential").value.trim();
  const response = await fetch("/kiosk/enroll", {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }),
  });
  if (response.ok) {
    location.assign("/kiosk");
    return;
  }
  const body = await response.json().catch(() => ({ message: String(response.status) }));
  result.textContent = result.dataset.bad.replace("{message}", body.message);
  result.className = "error";
});
