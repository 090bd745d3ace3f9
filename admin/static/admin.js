// Comfort only: every screen works without this file.
// - autosave: what is typed in the item form is kept in this browser every few seconds, so a
//   dropped connection or a closed tab loses nothing; it is offered back on the next visit
//   and forgotten once the server has the save;
// - a small Markdown toolbar over Markdown fields;
// - the site switcher filters its table as one types, with or without diacritics.
(function () {
  "use strict";
  var fold = function (s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  };

  // The site switcher.
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var rows = document.querySelectorAll(input.getAttribute("data-filter"));
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      rows.forEach(function (row) {
        var text = row.getAttribute("data-folded") || "";
        row.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
    });
  });

  // The Markdown toolbar.
  var tools = [
    ["B", "**", "**", "Đậm"], ["I", "*", "*", "Nghiêng"], ["H", "\n## ", "", "Tiêu đề"],
    ["•", "\n- ", "", "Danh sách"], ["URL", "[", "](https://)", "Liên kết"]
  ];
  document.querySelectorAll("textarea[data-markdown]:not([readonly])").forEach(function (area) {
    var bar = document.createElement("div");
    bar.className = "toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Định dạng " + (area.labels[0] ? area.labels[0].textContent : ""));
    tools.forEach(function (t) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = t[0];
      b.title = t[3];
      b.setAttribute("aria-label", t[3]);
      b.addEventListener("click", function () {
        var s = area.selectionStart, e = area.selectionEnd, v = area.value;
        area.value = v.slice(0, s) + t[1] + v.slice(s, e) + t[2] + v.slice(e);
        area.focus();
        area.selectionStart = s + t[1].length;
        area.selectionEnd = e + t[1].length;
        area.dispatchEvent(new Event("input", { bubbles: true }));
      });
      bar.appendChild(b);
    });
    area.parentNode.insertBefore(bar, area);
  });

  // Upload progress: the form is sent by XHR so the bar can move; the answer replaces the
  // page as the plain form's would.
  document.querySelectorAll("form[data-upload]").forEach(function (up) {
    var bar = up.querySelector("progress");
    up.addEventListener("submit", function (ev) {
      if (!window.FormData || !bar) return;
      ev.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", up.action);
      bar.hidden = false;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL !== up.action) {
          location.href = xhr.responseURL;
        } else {
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener("error", function () { up.submit(); });
      xhr.send(new FormData(up));
    });
  });

  // Autosave of the working copy.
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.localStorage) return;
  var key = "portico:" + form.getAttribute("data-autosave");
  var status = form.querySelector(".autosave");
  var fields = function () {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf" && el.name !== "base_revision" && el.type !== "submit" && el.type !== "button" && el.type !== "file";
    });
  };
  var snapshot = function () {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") {
        (data[el.name] = data[el.name] || []);
        if (el.checked) data[el.name].push(el.value);
      } else {
        data[el.name] = el.value;
      }
    });
    return JSON.stringify(data);
  };
  var initial = snapshot();
  var stored = null;
  try { stored = localStorage.getItem(key); } catch (e) { stored = null; }
  var restore = form.querySelector(".restore");
  if (stored && stored !== initial && restore) {
    restore.hidden = false;
    restore.querySelector("[data-restore]").addEventListener("click", function () {
      var data = JSON.parse(stored);
      fields().forEach(function (el) {
        if (!(el.name in data)) return;
        if (el.type === "checkbox") el.checked = data[el.name].indexOf(el.value) >= 0;
        else el.value = data[el.name];
      });
      restore.hidden = true;
    });
    restore.querySelector("[data-discard]").addEventListener("click", function () {
      localStorage.removeItem(key);
      restore.hidden = true;
    });
  }
  var timer = null;
  var save = function () {
    var now = snapshot();
    if (now === initial) return;
    try {
      localStorage.setItem(key, now);
      if (status) status.textContent = "Đã lưu tạm trên máy này " + new Date().toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" });
    } catch (e) { /* storage full or denied: the form still posts */ }
  };
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 2000);
  });
  form.addEventListener("submit", function () {
    save();
    // Forgotten once the server has it: the next page carries a new base revision, so a key
    // for this one is stale anyway; a refused save shows the form with the typed text again.
    try { sessionStorage.setItem("portico:sent", key); } catch (e) { /* ignore */ }
  });
  try {
    var sent = sessionStorage.getItem("portico:sent");
    if (sent && sent !== key && /[?&]done=/.test(location.search)) {
      localStorage.removeItem(sent);
      sessionStorage.removeItem("portico:sent");
    }
  } catch (e) { /* ignore */ }
})();
