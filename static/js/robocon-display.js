/* Audience display and field queue: poll the public JSON endpoint and redraw. Everything
   is built with textContent (never innerHTML), so team names cannot inject markup. */
(function () {
  "use strict";
  var root = document.getElementById("rb-display") || document.getElementById("rb-queue");
  if (!root) { return; }
  var api = root.getAttribute("data-api");
  var interval = Number(root.getAttribute("data-interval")) || 4000;
  var failures = 0;
  var pageSize = Number(root.getAttribute("data-page-size")) || 0;
  var pageMs = (Number(root.getAttribute("data-page-seconds")) || 10) * 1000;
  var page = 0;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function byId(id) { return document.getElementById(id); }
  function setText(id, text) { var n = byId(id); if (n) { n.textContent = text; } }
  function clear(node) { while (node && node.firstChild) { node.removeChild(node.firstChild); } }
  function name(team) { return team ? team.name : "Chờ xác định"; }
  function pairing(f) {
    return f.kind === "match" ? name(f.a) + " – " + name(f.b) : name(f.a);
  }

  function renderFields(fields) {
    var list = byId("rb-fields");
    if (!list) { return; }
    clear(list);
    if (!fields.length) { list.appendChild(el("li", "rb-empty", "Chưa có lịch thi.")); return; }
    fields.forEach(function (f) {
      var li = el("li", f.current ? null : "rb-done");
      li.appendChild(el("div", "rb-now-field", f.field + (f.venue ? " · " + f.venue : "")));
      if (f.current) {
        li.appendChild(el("div", "rb-now-team", pairing(f.current)));
        var detail = f.current.kind === "run"
          ? "Lượt " + f.current.run_no + " · " + (f.current.a ? f.current.a.school : "")
          : f.current.title.split(":")[0];
        li.appendChild(el("div", "rb-now-school", f.current.time + " · " + detail));
      } else {
        li.appendChild(el("div", "rb-now-team", "Đã thi xong"));
      }
      if (f.next && f.next.length) {
        li.appendChild(el("div", "rb-now-next", "Tiếp theo: " + f.next.map(function (n) {
          return n.time + " " + pairing(n);
        }).join("; ")));
      }
      list.appendChild(li);
    });
  }

  function teamCell(team) {
    var td = el("td", "rb-t");
    td.appendChild(el("span", "rb-n", team.name));
    td.appendChild(el("span", "rb-s", team.school));
    return td;
  }

  /* The ranking pages through its rows (pageSize at a time) so a hall sees every team
     near the cut line; the page turns every pageMs. */
  function showPage() {
    var body = byId("rb-ranking");
    if (!body || !pageSize) { return; }
    var rows = body.querySelectorAll("tr");
    var pages = Math.max(1, Math.ceil(rows.length / pageSize));
    if (page >= pages) { page = 0; }
    rows.forEach(function (tr, i) { tr.hidden = Math.floor(i / pageSize) !== page; });
    var first = page * pageSize + 1;
    var last = Math.min(rows.length, first + pageSize - 1);
    setText("rb-page", pages > 1 ? "hạng " + first + "–" + last + " (trang " + (page + 1) + "/" + pages + ")" : "");
  }

  function renderRanking(data) {
    var body = byId("rb-ranking");
    if (!body) { return; }
    clear(body);
    data.ranking.forEach(function (r, i) {
      var tr = el("tr");
      var next = data.ranking[i + 1];
      if (data.cut && r.rank <= data.cut && next && next.rank > data.cut) { tr.className = "rb-line"; }
      tr.appendChild(el("td", "rb-r", r.rank));
      tr.appendChild(teamCell(r.team));
      tr.appendChild(el("td", "num rb-runs", r.runs.length ? r.runs.join(" · ") : "—"));
      tr.appendChild(el("td", "num rb-p", r.points));
      tr.appendChild(el("td", "num", r.time));
      body.appendChild(tr);
    });
    showPage();
  }

  function renderGroups(groups) {
    var box = byId("rb-groups");
    if (!box) { return; }
    clear(box);
    groups.forEach(function (g) {
      var section = el("section", "rb-panel");
      section.appendChild(el("h2", null, g.name));
      var table = el("table", "rb-rank");
      var head = el("tr");
      [["#", "rb-r"], ["Đội", ""], ["Trận", "num"], ["T-H-B", "num"], ["HS", "num"], ["Điểm", "num"]].forEach(function (h) {
        head.appendChild(el("th", h[1], h[0]));
      });
      var thead = el("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      var tbody = el("tbody");
      g.rows.forEach(function (r) {
        var tr = el("tr");
        tr.appendChild(el("td", "rb-r", r.rank));
        tr.appendChild(teamCell(r.team));
        tr.appendChild(el("td", "num", r.played));
        tr.appendChild(el("td", "num", r.won + "-" + r.drawn + "-" + r.lost));
        tr.appendChild(el("td", "num", r.difference));
        tr.appendChild(el("td", "num rb-p", r.points));
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      section.appendChild(table);
      box.appendChild(section);
    });
  }

  function teamLine(m, side) {
    var t = m[side];
    var row = el("div", "rb-match-team" + (t && m.winner === t.code ? " rb-win" : ""));
    row.appendChild(el("span", "rb-seed", t ? t.seed : ""));
    var label = t ? el("span", null, t.name)
      : el("span", null, null);
    if (!t) { label.appendChild(el("span", "rb-bye", m.bye && side === "b" ? "miễn đấu" : "chờ xác định")); }
    row.appendChild(label);
    var score = m["score_" + side];
    row.appendChild(el("span", null, score === null || score === undefined ? "" : score));
    return row;
  }

  function matchBox(m) {
    var box = el("div", "rb-match");
    box.setAttribute("data-match", m.id);
    box.appendChild(teamLine(m, "a"));
    box.appendChild(teamLine(m, "b"));
    return box;
  }

  function renderBracket(bracket) {
    var panel = byId("rb-bracket-panel");
    var box = byId("rb-bracket");
    if (!panel || !box) { return; }
    panel.hidden = !bracket;
    clear(box);
    if (!bracket) { return; }
    var wrap = el("div", "rb-bracket");
    bracket.rounds.forEach(function (rnd) {
      var col = el("div", "rb-round");
      col.appendChild(el("h3", null, rnd.name));
      rnd.matches.forEach(function (m) { col.appendChild(matchBox(m)); });
      wrap.appendChild(col);
    });
    if (bracket.third_place) {
      var col = el("div", "rb-round");
      col.appendChild(el("h3", null, bracket.third_place.name));
      col.appendChild(matchBox(bracket.third_place));
      wrap.appendChild(col);
    }
    box.appendChild(wrap);
    if (bracket.podium && bracket.podium.length) {
      var names = ["Vô địch", "Nhì", "Ba", "Tư"];
      var list = el("ol", "rb-podium");
      bracket.podium.forEach(function (p) {
        var li = el("li");
        li.appendChild(el("span", "rb-place", names[p.place - 1] || String(p.place)));
        li.appendChild(document.createTextNode(" " + (p.team ? p.team.name : "")));
        list.appendChild(li);
      });
      box.appendChild(list);
    }
  }

  function renderDisplay(data) {
    setText("rb-progress", data.done + "/" + data.total + " lượt/trận đã thi");
    renderFields(data.fields);
    renderRanking(data);
    renderGroups(data.groups);
    renderBracket(data.bracket);
  }

  function renderQueue(data) {
    setText("rb-remaining", data.remaining);
    var c = data.current;
    setText("rb-current", c ? c.time + " · " + pairing(c) + (c.kind === "run" ? " · lượt " + c.run_no : "") : "Đã thi xong");
    setText("rb-current-school", c && c.a ? c.a.school + (c.b ? " – " + c.b.school : "") : "");
    var last = data.last;
    var score = "";
    if (last) {
      score = last.result
        ? last.result.a + (last.result.b !== null && last.result.b !== undefined ? " – " + last.result.b : "") + " điểm"
        : "chờ tổng trọng tài duyệt";
    }
    setText("rb-last", last ? "Vừa thi: " + pairing(last) + " · " + score : "");
    var list = byId("rb-next");
    clear(list);
    if (!data.next.length) { list.appendChild(el("li", "rb-empty", "Không còn đội nào.")); }
    data.next.forEach(function (n) {
      var li = el("li");
      li.appendChild(el("span", "rb-time", n.time));
      var who = el("span", null, pairing(n) + (n.kind === "run" ? " · lượt " + n.run_no : ""));
      who.appendChild(el("span", "rb-s", " " + (n.a ? n.a.school : "")));
      li.appendChild(who);
      list.appendChild(li);
    });
  }

  function poll() {
    fetch(api, { headers: { "Accept": "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (root.id === "rb-display") { renderDisplay(data); } else { renderQueue(data); }
        setText("rb-updated", data.updated);
        var net = byId("rb-net");
        if (net) { net.textContent = ""; net.className = ""; }
      })
      .catch(function () {
        failures += 1;
        var net = byId("rb-net");
        if (net) { net.textContent = "Mất kết nối, đang thử lại…"; net.className = "rb-stale"; }
      })
      .then(function () {
        window.setTimeout(poll, Math.min(interval * Math.pow(2, failures), 60000));
      });
  }

  window.setTimeout(poll, interval);
  if (pageSize && byId("rb-ranking")) {
    window.setInterval(function () { page += 1; showPage(); }, pageMs);
  }
})();
