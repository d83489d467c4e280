// The softphone of _softphone.html (on /phone, and in the agent panel that embeds it):
// registration state, answer, hang up, mute, keypad, devices.
import { Softphone } from "/static/softphone.js";

const $ = (id) => document.getElementById(`phone-${id}`);
const registration = $("registration"), call = $("call");
const phone = new Softphone({ audio: $("voice"), remoteVideo: $("remote"), selfVideo: $("self") });
window.softphone = phone; // for the tests and a curious developer's console

phone.addEventListener("registration", ({ detail }) => {
  registration.dataset.state = detail.state;
  registration.dataset.at = Math.round(performance.now()); // ms since the page loaded
  const signedOut = detail.reason === "not-signed-in";
  registration.textContent = registration.dataset[signedOut ? "signedOut" : detail.state];
});

phone.addEventListener("call", ({ detail }) => {
  if ($("videos")) $("videos").hidden = !(detail.state === "talking" && phone.videoCall);
  const caller = detail.caller ? detail.caller.number || call.dataset.unknown : "";
  call.dataset.state = detail.state;
  call.textContent = call.dataset[detail.state].replace("{caller}", caller);
  $("answer").disabled = detail.state !== "ringing";
  $("hangup").disabled = detail.state === "idle";
  $("mute").disabled = $("keypad").disabled = detail.state !== "talking";
  if (detail.state === "ringing") $("answer").focus();
  if (detail.state === "talking") $("hangup").focus();
  $("mute").setAttribute("aria-pressed", "false");
});

phone.addEventListener("mute", ({ detail }) => {
  $("mute").setAttribute("aria-pressed", String(detail.muted));
});

$("answer").addEventListener("click", () => phone.answer());
$("hangup").addEventListener("click", () => phone.hangUp());
$("mute").addEventListener("click", () => phone.mute());
$("keypad").addEventListener("click", (event) => {
  const tone = event.target.dataset && event.target.dataset.tone;
  if (tone) phone.sendDtmf(tone);
});

async function listDevices() {
  const { inputs, outputs } = await phone.devices();
  for (const [select, devices] of [[$("input"), inputs], [$("output"), outputs]]) {
    const chosen = select.value;
    select.replaceChildren(select.options[0]);
    for (const device of devices) select.add(new Option(device.label, device.id));
    select.value = chosen;
  }
  $("output").disabled = !phone.canChooseOutput;
}
$("input").addEventListener("change", (event) => phone.useInput(event.target.value));
$("output").addEventListener("change", (event) => phone.useOutput(event.target.value));
navigator.mediaDevices.addEventListener("devicechange", listDevices);

// On the agent's panel a checkbox says whether calls ring here (remembered in this
// browser); without it (the /phone page) the phone starts at once.
const use = document.getElementById("phone-use");
if (use) {
  const saved = localStorage.getItem("centralino.phone");
  use.checked = saved === null ? use.dataset.default === "on" : saved === "on";
  use.addEventListener("change", () => {
    localStorage.setItem("centralino.phone", use.checked ? "on" : "off");
    if (use.checked) phone.start(); else phone.stop();
  });
}
listDevices();
if (!use || use.checked) phone.start();
