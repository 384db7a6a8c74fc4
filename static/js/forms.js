/* Every page: a POST form is sent once. A double click (or a second tap while the
   answer is on its way) would send it twice: two proposals, two imports, two batches.
   A second submit within a few seconds is dropped; the form is marked busy meanwhile.
   A form that was really not sent (another handler cancelled it) is left alone; coming
   back through history, or a download that kept the page open, frees the form again.
   Forms may opt out with data-allow-resubmit. No inline scripts (CSP). */
(function () {
  "use strict";

  var QUIET_MS = 4000;

  function reset(form) {
    delete form.dataset.submittedAt;
    form.removeAttribute("aria-busy");
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
    if (form.hasAttribute("data-allow-resubmit")) { return; }
    var now = Date.now();
    if (now - Number(form.dataset.submittedAt || 0) < QUIET_MS) {
      ev.preventDefault();
      return;
    }
    // Decide after every handler had its say: a cancelled submit does not count.
    setTimeout(function () {
      if (ev.defaultPrevented) { return; }
      form.dataset.submittedAt = String(now);
      form.setAttribute("aria-busy", "true");
      setTimeout(function () { if (form.dataset.submittedAt === String(now)) { reset(form); } }, QUIET_MS);
    }, 0);
  });

  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-submitted-at]"), reset);
  });
}());
