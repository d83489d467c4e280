// The supervisors' page of voice messages (/voice-messages): a message's button plays its
// recording in the page's one player (its authenticated route; each listening audited).
"use strict";
(() => {
  const table = document.getElementById("voice-messages");
  const player = document.getElementById("player");
  const playing = document.getElementById("playing");
  if (!table || !player) return;
  table.addEventListener("click", (event) => {
    const button = event.target.closest("button.play");
    if (!button) return;
    player.src = button.dataset.audio;
    playing.textContent = button.dataset.playing;
    player.play().catch(() => {}); // (a browser that refuses autoplay: its controls remain)
  });
})();
