// Pages with recordings (Voicemail, Recordings): when a player cannot play its recording,
// say why beside it. The <audio> element's error event carries no reason, so ask the same
// URL for its first byte and show the server's sentence (the carrier refused, the
// recording is gone...) in the row's .audio-note.
"use strict";
(function () {
  for (const player of document.querySelectorAll("li audio")) {
    const note = player.closest("li").querySelector(".audio-note");
    if (!note) continue;
    player.addEventListener("error", async function () {
      let text = "";
      try {
        const response = await fetch(player.currentSrc || player.src, {
          credentials: "same-origin",
          headers: { "Range": "bytes=0-0" },
        });
        // A redirect to the login page: the session ended.
        if (response.redirected) text = note.dataset.sessionEnded;
        else if (!response.ok) text = await response.text();
      } catch (error) {
        // The server is unreachable: the player's own error state says enough.
      }
      if (text) {
        note.textContent = text;
        note.hidden = false;
      }
    });
  }
})();
