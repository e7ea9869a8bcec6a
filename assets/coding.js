// The coding pages (dashboard/coding.py): keyboard shortcuts for the labels, and the agreement
// block filled in after the page is shown (the next article never waits for it).
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    var target = event.target;
    if (target && (target.tagName === "TEXTAREA" || target.tagName === "SELECT" ||
                   (target.tagName === "INPUT" && target.type !== "checkbox"))) return;
    var form = document.getElementById("code-form");
    if (!form) return;
    var keyed = form.querySelectorAll("[data-key]");
    for (var i = 0; i < keyed.length; i++) {
      if (keyed[i].getAttribute("data-key") === event.key) {
        event.preventDefault();
        keyed[i].click();  // a label button submits the code; the skip link loads the next article
        return;
      }
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var slot = document.querySelector("[data-src]");
    if (!slot) return;
    fetch(slot.getAttribute("data-src"), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var block = document.createElement("div");
        block.innerHTML = html;  // HTML the server escaped (dashboard/validity.py agreement_html)
        slot.appendChild(block);
      })
      .catch(function () { /* the link to the review page stays */ });
  });
})();
