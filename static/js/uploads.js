/* Files panel of an entry: list the chosen files with their sizes, warn before sending
   what the server will refuse (too big, wrong type, over the request limit), confirm
   deletions. Advisory only: the server checks everything again. No inline scripts (CSP). */
(function () {
  "use strict";

  var MB = 1024 * 1024;

  function sizeVn(bytes) {
    if (bytes < 1024) { return bytes + " B"; }
    if (bytes < MB) { return Math.round(bytes / 1024).toLocaleString("vi-VN") + " KB"; }
    var text = (bytes / MB).toFixed(1).replace(".", ",");
    return text.replace(/,0$/, "") + " MB";
  }

  function kindOf(file) {
    // The browser's guess (from the name) is only a hint; the server reads the content.
    var name = (file.name || "").toLowerCase();
    if (file.type) {
      if (file.type === "image/jpeg" || file.type === "image/png") { return "photo"; }
      if (file.type === "application/pdf") { return "pdf"; }
      return "other";
    }
    if (/\.(jpe?g|png)$/.test(name)) { return "photo"; }
    if (/\.pdf$/.test(name)) { return "pdf"; }
    return "other";
  }

  function setupUpload(form) {
    var input = form.querySelector("input[type=file]");
    var list = form.querySelector("[data-upload-list]");
    var button = form.querySelector("[type=submit]");
    if (!input || !list) { return; }
    var photoMax = Number(form.dataset.photoMax) || 0;
    var pdfMax = Number(form.dataset.attachmentMax) || 0;
    var requestMax = Number(form.dataset.requestMax) || 0;

    function total() {
      var sum = 0;
      for (var i = 0; i < input.files.length; i++) { sum += input.files[i].size; }
      return sum;
    }

    function addLine(text, isError) {
      var li = document.createElement("li");
      li.textContent = text;
      if (isError) { li.className = "error"; }
      list.appendChild(li);
    }

    input.addEventListener("change", function () {
      list.textContent = "";
      for (var i = 0; i < input.files.length; i++) {
        var file = input.files[i];
        var kind = kindOf(file);
        var line = file.name + " (" + sizeVn(file.size) + ")";
        if (kind === "other") {
          addLine(line + ": không phải ảnh JPEG/PNG hay tệp PDF, sẽ không được nhận.", true);
        } else if (kind === "photo" && photoMax && file.size > photoMax) {
          addLine(line + ": ảnh vượt quá " + sizeVn(photoMax) + ", sẽ không được nhận.", true);
        } else if (kind === "pdf" && pdfMax && file.size > pdfMax) {
          addLine(line + ": tệp PDF vượt quá " + sizeVn(pdfMax) + ", sẽ không được nhận.", true);
        } else {
          addLine(line, false);
        }
      }
      if (requestMax && total() > requestMax) {
        addLine("Tổng dung lượng " + sizeVn(total()) + " vượt quá " + sizeVn(requestMax) +
                " cho một lần gửi. Vui lòng chia thành nhiều lần tải lên.", true);
      }
    });

    form.addEventListener("submit", function (event) {
      if (requestMax && total() > requestMax) {
        event.preventDefault();
        input.dispatchEvent(new Event("change"));
        return;
      }
      if (button) {
        button.disabled = true;
        if ("value" in button && button.tagName === "INPUT") { button.value = "Đang tải lên…"; }
        else { button.textContent = "Đang tải lên…"; }
      }
    });
  }

  // Coming back through the browser's history must not leave the button disabled.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-upload] [type=submit]").forEach(function (b) { b.disabled = false; });
  });

  function setupConfirm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  }

  document.querySelectorAll("form[data-upload]").forEach(setupUpload);
  document.querySelectorAll("form[data-confirm]").forEach(setupConfirm);
})();
