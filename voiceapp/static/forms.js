// After a failed submit, the page comes back at its top with a summary of what went
// wrong (templates/admin/_ui.html, error_summary). This moves the keyboard focus to it,
// so that a screen reader reads it and Tab goes on from there; a click on one of its
// links focuses the field at fault and scrolls it into view with its label. Without
// script, the summary is still first on the page and its links still jump to the fields.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  summary.focus();

  var CONTROLS = "input:not([type=hidden]), select, textarea, button";

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) {
      return;
    }
    event.preventDefault();
    // A group of boxes (a ring group's members) is linked by its fieldset: focus its
    // first box. A field inside a closed <details> is shown first.
    var control = target.matches(CONTROLS) ? target : target.querySelector(CONTROLS);
    var details = target.closest("details");
    if (details) {
      details.open = true;
    }
    (control || target).focus({ preventScroll: true });
    // The field's whole box, label included, rather than the input alone at the very top.
    (target.closest(".field, fieldset") || target).scrollIntoView({ block: "center" });
  });
})();
