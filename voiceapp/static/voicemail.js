// Voicemail page: when a player cannot play its recording, say why beside it. The
// <audio> element's error event carries no reason, so ask the same URL for its first
// byte and show the server's sentence (the carrier refused, the recording is gone...).
// Pressing play marks a message heard on the server; the row, and the count of new
// messages above the list, say so at once (the server wrote that line for each count,
// in the page's language and plural rule, in data-counts).
"use strict";
(function () {
  const newCount = document.getElementById("new-count");
  const countLines = newCount ? JSON.parse(newCount.dataset.counts) : [];
  for (const player of document.querySelectorAll("#messages audio")) {
    const row = player.closest("li");
    const note = row.querySelector(".audio-note");
    player.addEventListener("playing", function () {
      row.classList.remove("new");
      for (const done of row.querySelectorAll(".badge, form[action$='/heard']")) done.remove();
      const left = document.querySelectorAll("#messages li.new").length;
      if (newCount && countLines[left] !== undefined) newCount.textContent = countLines[left];
    });
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
