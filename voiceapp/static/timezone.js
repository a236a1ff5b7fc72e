// Tells the server which time zone this browser runs in, so that the admin pages show
// times in it. Loaded (by base.html) only while the admin has no zone yet; the server
// keeps the first one it gets and ignores later ones (the Account page changes it).
"use strict";
(function () {
  const script = document.currentScript;
  if (!script || !window.Intl) return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  const form = new URLSearchParams();  // sent as an ordinary form (urlencoded)
  form.append(script.dataset.csrfField, script.dataset.csrfToken);
  form.append("time_zone", zone);
  // Nothing to show either way: a zone the server refuses leaves times in UTC, and the
  // Account page lets the admin pick one.
  fetch(script.dataset.endpoint, { method: "POST", body: form, credentials: "same-origin" })
    .catch(function () {});
})();
