// Voicemail page: pressing play marks a message heard on the server; the row, and the
// count of new messages above the list, say so at once (the server wrote that line for
// each count, in the page's language and plural rule, in data-counts). Why a player
// cannot play is players.js's.
"use strict";
(function () {
  const newCount = document.getElementById("new-count");
  const countLines = newCount ? JSON.parse(newCount.dataset.counts) : [];
  for (const player of document.querySelectorAll("#messages audio")) {
    const row = player.closest("li");
    player.addEventListener("playing", function () {
      row.classList.remove("new");
      for (const done of row.querySelectorAll(".badge, form[action$='/heard']")) done.remove();
      const left = document.querySelectorAll("#messages li.new").length;
      if (newCount && countLines[left] !== undefined) newCount.textContent = countLines[left];
    });
  }
})();
