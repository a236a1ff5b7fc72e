// Live page: fetch the rooms fragment every few seconds and swap it in, so the
// roster stays current without reloading the page. No framework, no build step.
"use strict";
(function () {
  const box = document.getElementById("live-rooms");
  if (!box) return;
  const source = box.dataset.source;
  const every = Number(box.dataset.refreshMs) || 5000;
  async function refresh() {
    try {
      const response = await fetch(source, {
        credentials: "same-origin",
        headers: { "Accept": "text/html" },
      });
      // A redirect to the login page means the session ended: stop rather than
      // paste the login form into the list.
      if (response.ok && !response.redirected) box.innerHTML = await response.text();
      else return;
    } catch (error) {
      // The server is unreachable for now: keep the last list and try again.
    }
    window.setTimeout(refresh, every);
  }
  window.setTimeout(refresh, every);
})();
