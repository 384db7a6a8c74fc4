/* Referee score sheet on a tablet: +/− buttons next to each count, the live total of each
   side, and the disqualification reason shown only when the DQ box is ticked. The form
   works without this script (plain number inputs); the server recomputes everything. */
(function () {
  "use strict";
  var form = document.getElementById("rb-sheet");
  if (!form) { return; }
  var minTotal = form.getAttribute("data-min-total");
  var floor = minTotal === "" || minTotal === null ? null : Number(minTotal);

  function count(input) {
    var v = parseInt(input.value, 10);
    return isNaN(v) || v < 0 ? 0 : v;
  }

  function formatVn(n) {
    var text = (Math.round(n * 100) / 100).toString();
    return text.replace(".", ",");
  }

  function refreshButtons(input) {
    var max = parseInt(input.getAttribute("max"), 10);
    form.querySelectorAll('[data-target="' + input.id + '"]').forEach(function (b) {
      var step = Number(b.getAttribute("data-step"));
      b.disabled = step < 0 ? count(input) <= 0 : (!isNaN(max) && count(input) >= max);
    });
  }

  function total(side) {
    var dq = form.querySelector('[data-dq="' + side + '"]');
    var sum = 0;
    form.querySelectorAll('input[data-side="' + side + '"]').forEach(function (input) {
      var pts = Number(input.getAttribute("data-points")) || 0;
      sum += (input.getAttribute("data-kind") === "p" ? -1 : 1) * pts * count(input);
    });
    if (floor !== null && sum < floor) { sum = floor; }
    var out = form.querySelector('[data-total="' + side + '"]');
    if (out) { out.textContent = dq && dq.checked ? "0 (truất quyền)" : formatVn(sum); }
  }

  function toggleReason(box) {
    var side = box.getAttribute("data-dq");
    var reason = form.querySelector('[data-dq-reason="' + side + '"]');
    if (!reason) { return; }
    var text = reason.querySelector("textarea");
    reason.hidden = !box.checked && !(text && text.value.trim());
  }

  form.querySelectorAll("button[data-step]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-target"));
      if (!input) { return; }
      var max = parseInt(input.getAttribute("max"), 10);
      var next = count(input) + Number(button.getAttribute("data-step"));
      if (next < 0) { next = 0; }
      if (!isNaN(max) && next > max) { next = max; }
      input.value = String(next);
      refreshButtons(input);
      total(input.getAttribute("data-side"));
    });
  });
  form.querySelectorAll("input[data-side]").forEach(function (input) {
    input.addEventListener("input", function () {
      refreshButtons(input);
      total(input.getAttribute("data-side"));
    });
    refreshButtons(input);
  });
  form.querySelectorAll("input[data-dq]").forEach(function (box) {
    box.addEventListener("change", function () {
      toggleReason(box);
      total(box.getAttribute("data-dq"));
    });
    toggleReason(box);
  });
  ["a", "b"].forEach(total);
  form.addEventListener("submit", function () {
    var submit = form.querySelector('[type="submit"]');
    if (submit) { setTimeout(function () { submit.disabled = true; }, 0); }
  });
})();
