// The Invite & Schedule page (templates/admin/schedule.html). The form works without this
// script; with it:
// - the time zone is set to the one this computer runs in (a new meeting only), and a
//   line says so; without a zone from the browser, the account's stays;
// - participant rows can be added and removed;
// - the details follow the room chosen, as long as they are still the room's dial-in block;
// - only the repeat fields of the pattern chosen are shown.
"use strict";
(function () {
  const form = document.getElementById("schedule-form");
  if (!form) return;

  // ---- the time zone ---------------------------------------------------------------------
  const detected = document.querySelector("[data-detect-zone]");
  const zoneSelect = form.querySelector("#time_zone");
  if (detected && zoneSelect && window.Intl) {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) {
      let option = Array.from(zoneSelect.options).find((o) => o.value === zone);
      if (!option) {
        // A zone the list leaves out (an old alias): offered as the browser names it;
        // the server checks it like any other.
        option = new Option(zone.replace(/_/g, " "), zone);
        zoneSelect.add(option, 0);
      }
      zoneSelect.value = zone;
      detected.hidden = false;
    }
  }

  // ---- participant rows --------------------------------------------------------------------
  const rows = form.querySelector("[data-rows]");
  const addButton = form.querySelector("[data-add-row]");
  const template = document.getElementById("participant-row");
  let counter = rows ? rows.querySelectorAll("[data-row]").length : 0;

  function withRemove(row) {
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary remove-row";
    remove.textContent = rows.dataset.removeLabel;
    remove.addEventListener("click", function () {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      const focus = next && next.querySelector("input");
      (focus || addButton).focus();
    });
    row.append(remove);
  }

  if (rows && addButton && template) {
    rows.querySelectorAll("[data-row]").forEach(withRemove);
    addButton.hidden = false;
    addButton.addEventListener("click", function () {
      counter += 1;
      const row = template.content.firstElementChild.cloneNode(true);
      row.querySelectorAll(".field").forEach(function (field) {
        const input = field.querySelector("input");
        const label = field.querySelector("label");
        input.id = input.name.replace("_", "-") + "-" + counter;
        label.htmlFor = input.id;
      });
      withRemove(row);
      rows.append(row);
      row.querySelector("input").focus();
    });
  }

  // ---- the details follow the room ---------------------------------------------------------
  const room = form.querySelector("[data-room]");
  const details = form.querySelector("[data-details]");
  if (room && details) {
    let shown = room.selectedOptions[0] ? room.selectedOptions[0].dataset.dialIn || "" : "";
    room.addEventListener("change", function () {
      const block = room.selectedOptions[0] ? room.selectedOptions[0].dataset.dialIn || "" : "";
      const typed = details.value.trim();
      // Only while the organizer has not written their own: their words are never lost.
      if (typed === "" || typed === shown.trim()) {
        details.value = block;
      } else if (shown && details.value.includes(shown)) {
        details.value = details.value.replace(shown, block);
      }
      shown = block;
    });
  }

  // ---- repeat fields -------------------------------------------------------------------------
  const repeat = form.querySelector("#repeat");
  function showRepeatFields() {
    form.querySelectorAll("[data-repeat]").forEach(function (part) {
      part.hidden = !part.dataset.repeat.split(" ").includes(repeat.value);
    });
  }
  if (repeat) {
    repeat.addEventListener("change", showRepeatFields);
    showRepeatFields();
  }
})();
