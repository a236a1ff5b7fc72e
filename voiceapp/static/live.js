// Live page: fetch the rooms fragment every few seconds and swap it in, so the
// roster stays current without reloading the page. No framework, no build step.
//
// The list must never look current when it is not: once the session has ended it is
// replaced by a message and a login link, and while the server cannot be reached a
// warning says the list may be out of date.
"use strict";
(function () {
  const box = document.getElementById("live-rooms");
  if (!box) return;
  const offline = document.getElementById("live-offline");
  const ended = document.getElementById("live-ended");
  const source = box.dataset.source;
  const every = Number(box.dataset.refreshMs) || 5000;
  // A server that accepts the connection and never answers must not freeze the list
  // silently either: give up on a request after a few periods.
  const patience = Math.max(every * 2, 10000);

  function sessionEnded() {
    box.replaceChildren(ended.content.cloneNode(true));
    box.classList.remove("stale");
    offline.hidden = true;
  }

  function unreachable() {
    offline.hidden = false;
    box.classList.add("stale");
  }

  async function refresh() {
    const abort = new AbortController();
    const timer = window.setTimeout(function () { abort.abort(); }, patience);
    try {
      const response = await fetch(source, {
        credentials: "same-origin",
        cache: "no-store",
        signal: abort.signal,
        // Tells the server this is the page's script, not a person opening the URL:
        // it answers 401 rather than redirecting to the login form (see live.py).
        headers: { "Accept": "text/html", "X-Requested-With": "fetch" },
      });
      // 401 is the answer; 403 and a redirect (to the login page, from an older server
      // or a proxy in between) mean the same: the session is over. Stop asking.
      if (response.status === 401 || response.status === 403 || response.redirected) {
        sessionEnded();
        return;
      }
      if (response.ok) {
        const text = await response.text();
        // The controls are buttons in the list: one that had the focus has it again
        // after the swap (same id), so a keyboard user is not thrown to the page's top.
        const focused = document.activeElement;
        const keep = focused && focused.id && box.contains(focused) ? focused.id : null;
        box.innerHTML = text;
        if (keep) {
          const again = document.getElementById(keep);
          if (again) again.focus();
        }
        box.classList.remove("stale");
        offline.hidden = true;
      } else {
        unreachable();  // the server answers but cannot give the list (a 5xx, a proxy's 502)
      }
    } catch (error) {
      unreachable();  // no connection, or no answer in time: try again next period
    } finally {
      window.clearTimeout(timer);
    }
    window.setTimeout(refresh, every);
  }
  window.setTimeout(refresh, every);
})();
