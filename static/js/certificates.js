/* Progress of a certificate batch: poll the JSON status URL named by the page
   (data-status-url), update the progress bar and texts, reload once the batch has
   finished so the server renders the download links. No inline scripts (CSP). */
(function () {
  "use strict";

  var INTERVAL_MS = 1000;
  var MAX_FAILURES = 30;

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && typeof text === "string") { el.textContent = text; }
  }

  function update(status) {
    var bar = document.getElementById("batch-progress");
    if (bar) {
      if (typeof status.percent === "number") {
        bar.value = status.percent;
        bar.textContent = status.percent + "%";
        setText("batch-percent", status.percent + "%");
      } else {
        bar.removeAttribute("value");  // indeterminate while the total is unknown
      }
    }
    setText("batch-status", status.status_label);
    setText("batch-phase", status.phase_label);
  }

  function start(card) {
    var url = card.getAttribute("data-status-url");
    if (!url || card.getAttribute("data-finished") === "true" || !window.fetch) { return; }
    var failures = 0;

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (status) {
          failures = 0;
          update(status);
          if (status.finished) {
            window.location.reload();
            return;
          }
          window.setTimeout(poll, INTERVAL_MS);
        })
        .catch(function () {
          failures += 1;
          if (failures >= MAX_FAILURES) {
            setText("batch-phase", "Mất kết nối tới máy chủ; hãy tải lại trang để xem tiến độ.");
            return;
          }
          window.setTimeout(poll, INTERVAL_MS * 2);
        });
    }

    window.setTimeout(poll, INTERVAL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var card = document.getElementById("batch");
    if (card) { start(card); }
  });
})();
