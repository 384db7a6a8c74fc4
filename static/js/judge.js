/* The judge's tablet pages: offline-first scoring.

   Every change (a criterion's points, the comment, submitting the sheet) goes first into
   an IndexedDB outbox under a fresh idempotency key, and the page shows it at once. A
   single sender posts the queued changes in order; an item leaves the outbox only after
   the server answered 200 {saved: true} (or refused it for good with a Vietnamese
   message, which the judge then sees). Network errors, 5xx, a lost session or an expired
   CSRF token keep the item and retry with backoff, on the `online` event and
   periodically. The server stores each key exactly once, so a retry never doubles a
   change. The service worker (judge-sw.js) keeps the pages and assets for offline
   reloads; values the server confirmed are also kept here, so a page reloaded from the
   cache still shows what the judge entered. No inline scripts (CSP). */
(function () {
  "use strict";

  var app = document.getElementById("judge-app");
  if (!app) { return; }

  var USER = String(app.dataset.userId || "");
  var PAGE = app.dataset.page;
  var ASSIGNMENT = app.dataset.assignmentId ? Number(app.dataset.assignmentId) : null;
  var API = { score: app.dataset.apiScores, comment: app.dataset.apiComment, submit: app.dataset.apiSubmit,
              state: app.dataset.apiState };
  var RENDERED_AT = Date.parse(app.dataset.renderedAt || "") || 0;
  var META = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = META ? META.getAttribute("content") : "";

  var TXT = {
    saved: "Đã lưu trên máy chủ",
    empty: "Chưa chấm",
    waiting: function (n) { return "Đang chờ gửi (" + n + ")"; },
    refused: function (msg) { return "Không lưu được: " + msg; },
    login: "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại; điểm chưa gửi vẫn được giữ trên máy.",
    forbidden: "Tài khoản hiện không có quyền chấm. Điểm chưa gửi vẫn được giữ trên máy; vui lòng báo Ban Tổ chức.",
    notNumber: "Điểm phải là một số (ví dụ 7 hoặc 7,5).",
    range: function (max) { return "Điểm phải từ 0 đến " + max + "."; },
    step: function (step) { return "Điểm phải chia hết cho bước " + step + "."; },
    missing: function (names) { return "Chưa chấm đủ các tiêu chí: " + names + "."; },
    allSaved: "Mọi thay đổi đã được lưu trên máy chủ.",
    noneWaiting: "Không còn thay đổi nào chờ gửi; thay đổi ghi “Không lưu được” đã bị máy chủ từ chối.",
    pendingAll: function (n) { return "Còn " + n + " thay đổi đang chờ gửi lên máy chủ (đã lưu trên máy này)."; },
    others: function (n) {
      return "Có " + n + " thay đổi của một tài khoản giám khảo khác đang chờ gửi trên máy này. " +
        "Hãy đăng nhập lại bằng tài khoản đó để gửi.";
    },
    submitting: "Phiếu sẽ được nộp ngay khi gửi được lên máy chủ.",
    submitted: "Phiếu đã nộp: không sửa được điểm nữa.",
    closed: "Hội đồng đã kết thúc chấm: phiếu chỉ để xem.",
    draft: "Đang chấm: mỗi điểm được lưu ngay khi bạn nhập.",
    noStorage: "Trình duyệt không cho lưu dữ liệu trên máy: hãy giữ kết nối mạng cho tới khi điểm được lưu."
  };

  // ---------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  var deviceId = (function () {
    try {
      var id = window.localStorage.getItem("judge-device");
      if (!id) { id = "may-" + uuid().slice(0, 8); window.localStorage.setItem("judge-device", id); }
      return id;
    } catch (e) { return "may-khong-ten"; }
  }());
  var DEVICE = (deviceId + " | " + (navigator.userAgent || "")).slice(0, 200);

  // Points are handled in hundredths (integers) so that steps like 0.25 stay exact.
  function toCents(value) {
    if (value === null || value === undefined) { return null; }
    var text = String(value).trim().replace(/\s/g, "");
    if (text === "") { return null; }
    if (text.indexOf(",") >= 0 && text.indexOf(".") < 0) { text = text.replace(",", "."); }
    if (!/^\+?(\d+(\.\d*)?|\.\d+)$/.test(text)) { return NaN; }
    var n = Number(text);
    var cents = Math.round(n * 100);
    if (Math.abs(n * 100 - cents) > 1e-6) { return NaN; } // more than 2 decimals
    return cents;
  }
  function centsToApi(c) { return (c / 100).toString(); }
  function centsToVn(c) { return c === null || c === undefined ? "" : (c / 100).toString().replace(".", ","); }

  function show(el, visible) { if (el) { el.hidden = !visible; } }
  function setText(el, text) { if (el && el.textContent !== text) { el.textContent = text; } }

  // ---------------------------------------------------------------------------------
  // Storage: IndexedDB (outbox, confirmed values, refused changes); memory if refused
  // ---------------------------------------------------------------------------------

  var store = (function () {
    var dbp = null;
    var memory = { outbox: {}, confirmed: {}, rejected: {} };
    var usable = !!window.indexedDB;

    function open() {
      if (dbp) { return dbp; }
      dbp = new Promise(function (resolve, reject) {
        var req = window.indexedDB.open("judge-outbox", 1);
        req.onupgradeneeded = function () {
          var d = req.result;
          var out = d.createObjectStore("outbox", { keyPath: "key" });
          out.createIndex("seq", "seq");
          d.createObjectStore("confirmed", { keyPath: "id" });
          d.createObjectStore("rejected", { keyPath: "key" });
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
        req.onblocked = function () { reject(new Error("blocked")); };
      });
      dbp.catch(function () { usable = false; setText(document.getElementById("outbox-summary"), TXT.noStorage); });
      return dbp;
    }

    function run(names, mode, body) {
      if (!usable) { return Promise.resolve(body(null, memory)); }
      return open().then(function (d) {
        return new Promise(function (resolve, reject) {
          var tx = d.transaction(names, mode);
          var result;
          tx.oncomplete = function () { resolve(result); };
          tx.onerror = function () { reject(tx.error); };
          tx.onabort = function () { reject(tx.error); };
          body(tx, null, function (value) { result = value; });
        });
      }, function () { return body(null, memory); });
    }

    function values(obj) { return Object.keys(obj).map(function (k) { return obj[k]; }); }

    return {
      outbox: function () {
        return run(["outbox"], "readonly", function (tx, mem, done) {
          if (mem) { return values(mem.outbox).sort(function (a, b) { return a.seq - b.seq; }); }
          var req = tx.objectStore("outbox").index("seq").getAll();
          req.onsuccess = function () { done(req.result); };
        });
      },
      // Add a change; queued (not in flight) changes of the same target are replaced:
      // only the newest value of a criterion needs to reach the server.
      enqueue: function (item, inFlightKey) {
        return run(["outbox"], "readwrite", function (tx, mem) {
          function same(o) {
            return o.user === item.user && o.assignment === item.assignment && o.kind === item.kind &&
              o.target === item.target && o.kind !== "submit" && o.key !== inFlightKey;
          }
          if (mem) {
            values(mem.outbox).filter(same).forEach(function (o) { delete mem.outbox[o.key]; });
            mem.outbox[item.key] = item;
            return;
          }
          var os = tx.objectStore("outbox");
          var req = os.getAll();
          req.onsuccess = function () {
            req.result.filter(same).forEach(function (o) { os.delete(o.key); });
            os.put(item);
          };
        });
      },
      remove: function (key) {
        return run(["outbox"], "readwrite", function (tx, mem) {
          if (mem) { delete mem.outbox[key]; return; }
          tx.objectStore("outbox").delete(key);
        });
      },
      confirmedFor: function (user, assignment) {
        var prefix = user + ":" + assignment + ":";
        return run(["confirmed"], "readonly", function (tx, mem, done) {
          if (mem) { return values(mem.confirmed).filter(function (c) { return c.id.indexOf(prefix) === 0; }); }
          var req = tx.objectStore("confirmed").getAll();
          req.onsuccess = function () {
            done(req.result.filter(function (c) { return c.id.indexOf(prefix) === 0; }));
          };
        });
      },
      confirm: function (record) {
        return run(["confirmed"], "readwrite", function (tx, mem) {
          if (mem) { mem.confirmed[record.id] = record; return; }
          var os = tx.objectStore("confirmed");
          var req = os.get(record.id);
          req.onsuccess = function () {
            var old = req.result;
            if (!old || !(old.time > record.time)) { os.put(record); }
          };
        });
      },
      reject: function (item) {
        return run(["rejected"], "readwrite", function (tx, mem) {
          if (mem) { mem.rejected[item.key] = item; return; }
          tx.objectStore("rejected").put(item);
        });
      }
    };
  }());

  // ---------------------------------------------------------------------------------
  // Page state
  // ---------------------------------------------------------------------------------

  var ui = {
    net: document.getElementById("net-banner"),
    auth: document.getElementById("auth-banner"),
    authText: document.getElementById("auth-banner-text"),
    others: document.getElementById("others-banner"),
    summary: document.getElementById("outbox-summary"),
    total: document.getElementById("judge-total"),
    sheetStatus: document.getElementById("sheet-status"),
    submit: document.getElementById("submit-sheet"),
    submitMsg: document.getElementById("submit-message"),
    dialog: document.getElementById("confirm-submit"),
    confirmTotal: document.getElementById("confirm-total"),
    comment: document.getElementById("judge-comment"),
    commentStatus: document.getElementById("status-comment")
  };

  var criteria = [];     // [{id, target, name, max, step, el, input, status}]
  var server = {};       // target -> {value, time}: what the server holds, as far as we know
  var refused = {};      // target -> Vietnamese message of the last refused change
  var invalid = {};      // target -> message of a value the judge typed that is not valid
  var queue = [];        // the outbox (all users), by seq
  var sheetStatus = app.dataset.status || "draft";
  var panelClosed = app.dataset.panelClosed === "true";
  var submittedText = sheetStatus === "submitted" && ui.sheetStatus ? ui.sheetStatus.textContent.replace(/\s+/g, " ").trim() : null;
  var netDown = !navigator.onLine;
  var authProblem = null;
  var seqCounter = 0;
  // Saves confirmed on this page, counted, and the count at each target's last confirmation
  // ("status" for the sheet's status): a state answer asked for before a confirmation may
  // have been read before that save was stored, whatever time the server stamped on it.
  var confirmations = 0;
  var confirmedAt = {};

  Array.prototype.forEach.call(document.querySelectorAll(".crit[data-criterion-id]"), function (el) {
    var c = {
      id: Number(el.dataset.criterionId),
      target: "c:" + el.dataset.criterionId,
      name: el.dataset.name,
      max: toCents(el.dataset.max),
      step: toCents(el.dataset.step) || 1,
      el: el,
      input: el.querySelector(".crit-input"),
      status: el.querySelector(".crit-status"),
      bands: Array.prototype.slice.call(el.querySelectorAll(".band"))
    };
    var initial = toCents(el.dataset.serverPoints);
    server[c.target] = { value: initial === null || isNaN(initial) ? null : initial, time: RENDERED_AT };
    criteria.push(c);
  });
  if (ui.comment) { server.comment = { value: ui.comment.value, time: RENDERED_AT }; }

  function mine(item) { return item.user === USER; }
  function here(item) { return mine(item) && item.assignment === ASSIGNMENT; }
  function pendingFor(target) { return queue.filter(function (i) { return here(i) && i.target === target; }); }
  function submitPending() { return queue.some(function (i) { return here(i) && i.kind === "submit"; }); }
  function locked() { return panelClosed || sheetStatus === "submitted" || submitPending(); }

  function shownCents(c) {
    var p = pendingFor(c.target);
    if (p.length) { return p[p.length - 1].cents; }
    return server[c.target] ? server[c.target].value : null;
  }

  function shownComment() {
    var p = pendingFor("comment");
    if (p.length) { return p[p.length - 1].value; }
    return server.comment ? server.comment.value : "";
  }

  // ---------------------------------------------------------------------------------
  // Rendering
  // ---------------------------------------------------------------------------------

  function renderCriterion(c) {
    var pend = pendingFor(c.target);
    var state, text;
    if (invalid[c.target]) {
      state = "invalid"; text = invalid[c.target];
    } else if (pend.length) {
      state = "pending"; text = TXT.waiting(pend.length);
    } else if (refused[c.target]) {
      state = "error"; text = TXT.refused(refused[c.target]);
    } else if (server[c.target] && server[c.target].value !== null) {
      state = "saved"; text = TXT.saved;
    } else {
      state = "empty"; text = TXT.empty;
    }
    c.status.dataset.state = state;
    c.el.dataset.state = state;
    setText(c.status, text);
    var cents = shownCents(c);
    if (document.activeElement !== c.input && !invalid[c.target]) {
      var text2 = centsToVn(cents);
      if (c.input.value !== text2) { c.input.value = text2; }
    }
    c.bands.forEach(function (b) {
      var from = toCents(b.dataset.from), to = toCents(b.dataset.to);
      var on = cents !== null && from !== null && to !== null && cents >= from && cents <= to;
      b.classList.toggle("band-active", on);
    });
    var lock = locked();
    c.input.disabled = lock;
    Array.prototype.forEach.call(c.el.querySelectorAll(".step-btn"), function (btn) { btn.disabled = lock; });
  }

  function renderComment() {
    if (!ui.comment) { return; }
    var pend = pendingFor("comment");
    var state = "", text = "";
    if (pend.length) { state = "pending"; text = TXT.waiting(pend.length); }
    else if (refused.comment) { state = "error"; text = TXT.refused(refused.comment); }
    else if (server.comment && server.comment.value) { state = "saved"; text = TXT.saved; }
    ui.commentStatus.dataset.state = state;
    setText(ui.commentStatus, text);
    if (document.activeElement !== ui.comment) {
      var v = shownComment() || "";
      if (ui.comment.value !== v) { ui.comment.value = v; }
    }
    ui.comment.disabled = locked();
  }

  function localTotal() {
    var sum = 0;
    criteria.forEach(function (c) { var v = shownCents(c); if (v !== null && !isNaN(v)) { sum += v; } });
    return sum;
  }

  function renderSheet() {
    if (ui.total) { setText(ui.total, centsToVn(localTotal())); }
    if (ui.sheetStatus) {
      var st, text;
      if (panelClosed) { st = "closed"; text = TXT.closed; }
      else if (sheetStatus === "submitted") { st = "submitted"; text = submittedText || TXT.submitted; }
      else if (submitPending()) { st = "pending"; text = TXT.submitting; }
      else if (refused.submit) { st = "error"; text = TXT.refused(refused.submit); }
      else { st = "draft"; text = TXT.draft; }
      ui.sheetStatus.dataset.state = st;
      setText(ui.sheetStatus, text);
    }
    if (ui.submit) { ui.submit.disabled = locked(); }
  }

  function renderBanners() {
    show(ui.net, netDown);
    show(ui.auth, !!authProblem);
    if (authProblem) { setText(ui.authText, authProblem); }
    var own = queue.filter(mine).length;
    var others = queue.length - own;
    show(ui.others, others > 0);
    if (others > 0) { setText(ui.others, TXT.others(others)); }
    if (ui.summary) {
      show(ui.summary, true);
      var refusedCount = Object.keys(refused).length;
      setText(ui.summary, own ? TXT.pendingAll(own) : refusedCount ? TXT.noneWaiting : TXT.allSaved);
      ui.summary.dataset.pending = String(own);
    }
    // The list page: pending changes per assignment.
    Array.prototype.forEach.call(document.querySelectorAll("[data-pending-for]"), function (el) {
      var aid = Number(el.dataset.pendingFor);
      var n = queue.filter(function (i) { return mine(i) && i.assignment === aid; }).length;
      show(el, n > 0);
      setText(el, n ? TXT.waiting(n) : "");
    });
  }

  function render() {
    criteria.forEach(renderCriterion);
    renderComment();
    renderSheet();
    renderBanners();
  }

  // Changes shown on the page whose outbox write has not finished yet: a read of the
  // outbox that started before the write must not make them look sent.
  var writing = {};

  function withWriting(items) {
    var list = (items || []).slice();
    var have = {};
    list.forEach(function (i) { have[i.key] = true; });
    Object.keys(writing).forEach(function (k) {
      var item = writing[k];
      if (have[k]) { return; }
      // A newer change replaces queued ones of the same target (as the outbox write will).
      list = list.filter(function (o) {
        return !(o.user === item.user && o.assignment === item.assignment && o.kind === item.kind &&
                 o.target === item.target && o.kind !== "submit" && o.key !== inFlightKey);
      });
      list.push(item);
    });
    return list.sort(function (a, b) { return a.seq - b.seq; });
  }

  function reload() {
    return store.outbox().then(function (items) { queue = withWriting(items); render(); });
  }

  // ---------------------------------------------------------------------------------
  // Entering values
  // ---------------------------------------------------------------------------------

  var inFlightKey = null;

  function enqueue(kind, target, extra) {
    var item = {
      key: uuid(), seq: Date.now() * 1000 + (seqCounter++ % 1000), user: USER, assignment: ASSIGNMENT,
      kind: kind, target: target, client_time: new Date().toISOString(), device: DEVICE, tries: 0
    };
    Object.keys(extra || {}).forEach(function (k) { item[k] = extra[k]; });
    delete refused[target];
    // Show it at once; the outbox write follows immediately.
    queue = queue.filter(function (o) {
      return !(o.user === item.user && o.assignment === item.assignment && o.kind === item.kind &&
               o.target === item.target && o.kind !== "submit" && o.key !== inFlightKey);
    });
    queue.push(item);
    render();
    writing[item.key] = item;
    var written = function () { delete writing[item.key]; };
    return store.enqueue(item, inFlightKey).then(written, function (err) { written(); throw err; })
      .then(reload).then(pump, function () { pump(); });
  }

  function validate(c, cents) {
    if (cents === null || isNaN(cents)) { return TXT.notNumber; }
    if (cents < 0 || cents > c.max) { return TXT.range(centsToVn(c.max)); }
    if (cents !== c.max && cents % c.step !== 0) { return TXT.step(centsToVn(c.step)); }
    return null;
  }

  function commit(c, raw) {
    if (locked()) { return; }
    var text = String(raw).trim();
    if (text === "") {
      delete invalid[c.target];
      renderCriterion(c);
      return;
    }
    var cents = toCents(text);
    var problem = validate(c, cents);
    if (problem) {
      invalid[c.target] = problem;
      c.input.setAttribute("aria-invalid", "true");
      renderCriterion(c);
      return;
    }
    delete invalid[c.target];
    c.input.removeAttribute("aria-invalid");
    if (cents === shownCents(c) && !refused[c.target]) {
      c.input.value = centsToVn(cents);
      renderCriterion(c);
      return;
    }
    c.input.value = centsToVn(cents);
    enqueue("score", c.target, { criterion: c.id, cents: cents });
  }

  function step(c, dir) {
    if (locked()) { return; }
    var typed = toCents(c.input.value);
    var cur = typed === null || isNaN(typed) ? shownCents(c) : typed;
    var next;
    if (cur === null || isNaN(cur)) {
      next = dir > 0 ? c.step : 0;
    } else if (cur % c.step === 0) {
      next = cur + dir * c.step;
    } else {  // off the grid (a maximum that is not a multiple of the step)
      next = (dir > 0 ? Math.ceil(cur / c.step) : Math.floor(cur / c.step)) * c.step;
    }
    next = Math.max(0, Math.min(c.max, next));
    delete invalid[c.target];
    commit(c, centsToVn(next));
  }

  criteria.forEach(function (c) {
    c.input.addEventListener("change", function () { commit(c, c.input.value); });
    c.input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); commit(c, c.input.value); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); step(c, 1); }
      else if (ev.key === "ArrowDown") { ev.preventDefault(); step(c, -1); }
    });
    c.input.addEventListener("blur", function () { renderCriterion(c); });
    Array.prototype.forEach.call(c.el.querySelectorAll(".step-btn"), function (btn) {
      btn.addEventListener("click", function () { step(c, Number(btn.dataset.dir)); });
    });
  });

  var form = document.getElementById("judge-form");
  if (form) { form.addEventListener("submit", function (ev) { ev.preventDefault(); }); }

  if (ui.comment) {
    var commentTimer = null;
    var commitComment = function () {
      clearTimeout(commentTimer);
      if (locked()) { return; }
      var v = ui.comment.value;
      if (v === (shownComment() || "")) { return; }
      enqueue("comment", "comment", { value: v });
    };
    ui.comment.addEventListener("input", function () {
      clearTimeout(commentTimer);
      commentTimer = setTimeout(commitComment, 1500);
    });
    ui.comment.addEventListener("change", commitComment);
    ui.comment.addEventListener("blur", function () { commitComment(); renderComment(); });
  }

  if (ui.submit) {
    ui.submit.addEventListener("click", function () {
      show(ui.submitMsg, false);
      if (ui.comment && document.activeElement === ui.comment) { ui.comment.blur(); }
      var missing = criteria.filter(function (c) { var v = shownCents(c); return v === null || isNaN(v); })
        .map(function (c) { return "“" + c.name + "”"; });
      var bad = criteria.filter(function (c) { return invalid[c.target]; });
      if (bad.length) {
        setText(ui.submitMsg, bad[0].name + ": " + invalid[bad[0].target]);
        show(ui.submitMsg, true);
        return;
      }
      if (missing.length) {
        setText(ui.submitMsg, TXT.missing(missing.join(", ")));
        show(ui.submitMsg, true);
        return;
      }
      setText(ui.confirmTotal, centsToVn(localTotal()));
      if (ui.dialog && typeof ui.dialog.showModal === "function") {
        ui.dialog.showModal();
      } else if (window.confirm("Nộp phiếu chấm? Sau khi nộp, bạn không sửa được điểm nữa.")) {
        enqueue("submit", "submit", {});
      }
    });
    document.getElementById("confirm-yes").addEventListener("click", function () {
      ui.dialog.close();
      enqueue("submit", "submit", {});
    });
    document.getElementById("confirm-no").addEventListener("click", function () { ui.dialog.close(); });
  }

  // ---------------------------------------------------------------------------------
  // Sending
  // ---------------------------------------------------------------------------------

  var sending = false;
  var retryTimer = null;
  var failures = 0;
  var REQUEST_TIMEOUT = 15000;

  function body(item) {
    var b = { assignment_id: item.assignment, idempotency_key: item.key, client_time: item.client_time,
              device: item.device };
    if (item.kind === "score") { b.criterion_id = item.criterion; b.points = centsToApi(item.cents); }
    if (item.kind === "comment") { b.comment = item.value; }
    return b;
  }

  function post(item) {
    var url = item.kind === "score" ? API.score : item.kind === "comment" ? API.comment : API.submit;
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT) : null;
    return fetch(url, {
      method: "POST", credentials: "same-origin", redirect: "manual", cache: "no-store",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body(item)), signal: controller ? controller.signal : undefined
    }).then(function (res) {
      if (timer) { clearTimeout(timer); }
      if (res.type === "opaqueredirect" || res.status === 401) { return { kind: "auth", message: TXT.login }; }
      return res.json().then(function (data) { return data; }, function () { return null; }).then(function (data) {
        if (res.ok && data && data.saved === true) { return { kind: "ok", data: data }; }
        if (res.status === 400 && data && data.code === "csrf") { return { kind: "csrf" }; }
        if (res.status === 403) { return { kind: "auth", message: TXT.forbidden }; }
        // Definitive refusals come as JSON with an error message; anything else (5xx,
        // 429, a captive portal's page, a proxy error) is worth another try.
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429 && data && data.error) {
          return { kind: "refused", message: data.error };
        }
        return { kind: "retry" };
      });
    }, function () {
      if (timer) { clearTimeout(timer); }
      return { kind: "network" };
    });
  }

  function refreshToken() {
    // The state API answers with a fresh CSRF token (same origin only).
    var url = API.state || (app.dataset.swScope + "/");
    if (!API.state) { return Promise.resolve(false); }
    return fetch(url, { credentials: "same-origin", redirect: "manual", cache: "no-store",
                        headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) {
        if (data && data.csrf_token) { csrfToken = data.csrf_token; if (META) { META.setAttribute("content", csrfToken); } return true; }
        return false;
      }, function () { return false; });
  }

  function onSaved(item, data) {
    var time = Date.parse(data.server_time) || Date.now();
    var records = [];
    var value = item.kind === "score" ? item.cents : item.value;
    if (item.kind === "score" || item.kind === "comment") {
      records.push({ id: USER + ":" + item.assignment + ":" + item.target, value: value, time: time });
    }
    if (item.assignment === ASSIGNMENT) {
      confirmations += 1;
      if (records.length) { server[item.target] = { value: value, time: time }; confirmedAt[item.target] = confirmations; }
      if (data.sheet_status) { sheetStatus = data.sheet_status; confirmedAt.status = confirmations; }
      delete refused[item.target];
    }
    var chain = store.remove(item.key);
    records.forEach(function (r) { chain = chain.then(function () { return store.confirm(r); }); });
    return chain;
  }

  function onRefused(item, message) {
    if (item.assignment === ASSIGNMENT) { refused[item.target] = message; }
    item.refused = message;
    item.refused_at = new Date().toISOString();
    return store.reject(item).then(function () { return store.remove(item.key); });
  }

  function scheduleRetry() {
    clearTimeout(retryTimer);
    failures += 1;
    var delay = Math.min(30000, 1000 * Math.pow(2, Math.min(failures - 1, 5)));
    delay = delay / 2 + Math.random() * delay / 2;
    retryTimer = setTimeout(pump, delay);
  }

  function sendLoop() {
    return store.outbox().then(function (items) {
      queue = withWriting(items);
      var next = (items || []).filter(mine)[0];
      if (!next) { inFlightKey = null; render(); return null; }
      inFlightKey = next.key;
      render();
      return post(next).then(function (outcome) {
        if (outcome.kind === "ok") {
          failures = 0; netDown = false; authProblem = null;
          return onSaved(next, outcome.data).then(sendLoop);
        }
        if (outcome.kind === "refused") {
          failures = 0; netDown = false;
          return onRefused(next, outcome.message).then(sendLoop);
        }
        if (outcome.kind === "csrf") {
          return refreshToken().then(function (ok) {
            if (ok && next.tries < 3) {
              next.tries += 1;
              return sendLoop();
            }
            authProblem = TXT.login;
            scheduleRetry();
            return null;
          });
        }
        if (outcome.kind === "auth") {
          authProblem = outcome.message; netDown = false;
          scheduleRetry();
          return null;
        }
        // network error, timeout, 5xx
        netDown = outcome.kind === "network" || !navigator.onLine;
        scheduleRetry();
        return null;
      });
    });
  }

  var again = false;

  function pump() {
    if (sending) { again = true; return Promise.resolve(); }
    clearTimeout(retryTimer);
    retryTimer = null;
    sending = true;
    again = false;
    var work = function () {
      return sendLoop().catch(function () { scheduleRetry(); });
    };
    var run = navigator.locks && navigator.locks.request
      ? navigator.locks.request("judge-outbox-sender", work)  // one sender across tabs
      : work();
    var finish = function () {
      sending = false; inFlightKey = null; render();
      // Something was queued while the loop was finishing and the network is fine.
      if (again && !retryTimer) { pump(); }
    };
    return Promise.resolve(run).then(finish, finish);
  }

  window.addEventListener("online", function () { netDown = false; failures = 0; render(); pump(); refreshState(); });
  window.addEventListener("offline", function () { netDown = true; render(); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { pump(); } });
  setInterval(function () { if (!sending) { pump(); } }, 20000);

  // ---------------------------------------------------------------------------------
  // What the server holds (on load and when the network comes back)
  // ---------------------------------------------------------------------------------

  function refreshState() {
    if (!API.state || !navigator.onLine) { return Promise.resolve(); }
    var asked = confirmations;
    // A save confirmed while this answer was on its way wins over it (see confirmedAt).
    var stale = function (target) { return (confirmedAt[target] || 0) > asked; };
    return fetch(API.state, { credentials: "same-origin", redirect: "manual", cache: "no-store",
                              headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) {
        if (!data || data.assignment_id !== ASSIGNMENT) { return; }
        var time = Date.parse(data.server_time) || 0;
        if (data.csrf_token) { csrfToken = data.csrf_token; if (META) { META.setAttribute("content", csrfToken); } }
        criteria.forEach(function (c) {
          var v = data.points[String(c.id)];
          var cents = v === undefined || v === null ? null : toCents(v);
          if (stale(c.target)) { return; }
          if (!server[c.target] || server[c.target].time <= time) {
            server[c.target] = { value: cents, time: time };
          }
        });
        if (!stale("comment") && (!server.comment || server.comment.time <= time)) {
          server.comment = { value: data.comment || "", time: time };
        }
        if (!stale("status")) { sheetStatus = data.status; }
        panelClosed = !!data.panel_closed;
        render();
        app.dataset.stateSynced = String(Number(app.dataset.stateSynced || 0) + 1);
      }, function () { /* offline: keep what we have */ });
  }

  // ---------------------------------------------------------------------------------
  // Service worker (offline reloads of the judge's pages)
  // ---------------------------------------------------------------------------------

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !app.dataset.swUrl) { return; }
    navigator.serviceWorker.register(app.dataset.swUrl, { scope: app.dataset.swScope }).catch(function () {});
    navigator.serviceWorker.ready.then(function (reg) {
      var warm = [];
      try { warm = JSON.parse(app.dataset.warm || "[]"); } catch (e) { warm = []; }
      // This page's own assets were loaded before the worker took control: name them.
      var assets = Array.prototype.map.call(
        document.querySelectorAll('link[rel="stylesheet"][href], script[src], .judge-photos img[src]'),
        function (el) { return el.href || el.src; });
      var msg = { type: "warm", user: USER, urls: [window.location.pathname].concat(warm), assets: assets };
      if (reg.active) { reg.active.postMessage(msg); }
    });
  }

  // ---------------------------------------------------------------------------------
  // Start: the page's values, then newer confirmed values kept on this device, then the
  // outbox; then ask the server and send what is waiting.
  // ---------------------------------------------------------------------------------

  function start() {
    var confirmed = ASSIGNMENT === null ? Promise.resolve([]) : store.confirmedFor(USER, ASSIGNMENT);
    return confirmed.then(function (records) {
      (records || []).forEach(function (r) {
        var target = r.id.split(":").slice(2).join(":");
        if (!server[target] || r.time > server[target].time) { server[target] = { value: r.value, time: r.time }; }
      });
    }, function () {}).then(reload).then(function () {
      refreshState();
      pump();
      registerWorker();
    });
  }

  render();
  start();
}());
