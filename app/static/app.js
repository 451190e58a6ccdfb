// qualflow review: keyboard shortcuts for the queue, and fetch-based decisions.
// (A form here has an input named "action", which shadows form.action: read the attribute.)
// Without this script every button still works as a plain form (POST, then back to the page).
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function flash(message, kind) {
    var box = document.getElementById("flash");
    if (!box) { return; }
    box.textContent = message;  // textContent: never parsed as HTML
    box.className = "flash" + (kind ? " " + kind : "");
    box.hidden = false;
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.error || ("The server answered " + response.status + "."));
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }

  // --- the queue ----------------------------------------------------------------------------
  var items = Array.prototype.slice.call(document.querySelectorAll(".queue-page li.item"));
  if (!items.length) {
    bindUndo();
    return;
  }
  var current = 0;

  function select(index) {
    if (index < 0 || index >= items.length) { return; }
    items[current].classList.remove("current");
    current = index;
    items[current].classList.add("current");
    items[current].focus({ preventScroll: true });
    items[current].scrollIntoView({ block: "nearest" });
  }

  function nextPending(from) {
    for (var i = from + 1; i < items.length; i++) {
      if (items[i].dataset.status === "suggested") { return i; }
    }
    return Math.min(from + 1, items.length - 1);
  }

  function setVersions(versions) {
    Object.keys(versions || {}).forEach(function (id) {
      var item = document.getElementById("s" + id);
      if (!item) { return; }
      item.querySelectorAll("input.version").forEach(function (input) { input.value = versions[id]; });
    });
  }

  function showCodes(excerpt, codes) {
    items.forEach(function (item) {
      if (item.dataset.excerpt === excerpt) {
        item.querySelector(".codes").textContent = codes.length ? codes.join(", ").replace(/_/g, " ") : "none yet";
      }
    });
  }

  function setStatus(item, status) {
    var counter = document.getElementById("decided");
    var before = item.dataset.status;
    if (counter && (before === "suggested") !== (status === "suggested")) {
      var n = parseInt(counter.textContent, 10) + (status === "suggested" ? -1 : 1);
      counter.textContent = n;
      var bar = document.querySelector("#progress progress");
      if (bar) { bar.value = n; }
    }
    item.dataset.status = status;
    item.className = item.className.replace(/status-\w+/, "status-" + status);
    item.querySelector(".status").textContent = status;
  }

  function decide(item, form) {
    var data = new FormData(form);
    return post(form.getAttribute("action"), data).then(function (result) {
      setStatus(item, result.status);
      setVersions(result.versions);
      showCodes(result.excerpt, result.codes);
      item.classList.remove("conflict");
      item.querySelectorAll("details").forEach(function (d) { d.open = false; });
      document.getElementById("flash").hidden = true;
      select(nextPending(items.indexOf(item)));
    }).catch(function (error) {
      item.classList.add("conflict");
      flash(error.message);
    });
  }

  function formFor(item, action) {
    var forms = item.querySelectorAll("form.decide");
    for (var i = 0; i < forms.length; i++) {
      if (forms[i].querySelector('input[name="action"]').value === action) { return forms[i]; }
    }
    return null;
  }

  items.forEach(function (item) {
    item.querySelectorAll("form.decide").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        decide(item, form);
      });
    });
    var memo = item.querySelector("form.memo-form");
    if (memo) {
      memo.addEventListener("submit", function (event) {
        event.preventDefault();
        var text = memo.querySelector("textarea");
        post(memo.getAttribute("action"), new FormData(memo)).then(function () {
          var note = document.createElement("p");
          note.className = "memo-text";
          note.textContent = text.value;
          memo.parentNode.appendChild(note);
          text.value = "";
          text.blur();
          flash("Memo saved.", "info");
        }).catch(function (error) { flash(error.message); });
      });
    }
    item.querySelectorAll(".code-choice .n").forEach(function (span, i) {
      if (i < 9) { span.textContent = String(i + 1); }
    });
    item.addEventListener("click", function () { select(items.indexOf(item)); });
  });

  function bindUndo() {
    var undo = document.getElementById("undo-form");
    if (!undo) { return; }
    undo.addEventListener("submit", function (event) {
      event.preventDefault();
      doUndo();
    });
  }

  function doUndo() {
    var undo = document.getElementById("undo-form");
    return post(undo.getAttribute("action"), new FormData(undo)).then(function (result) {
      var item = result.suggestion !== null ? document.getElementById("s" + result.suggestion) : null;
      if (item) {
        setStatus(item, result.status);
        setVersions(result.versions);
        showCodes(result.excerpt, result.codes);
        select(items.indexOf(item));
        flash("Undone.", "info");
      } else {
        window.location.reload();
      }
    }).catch(function (error) { flash(error.message); });
  }
  bindUndo();

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      if (event.key === "Enter" && event.target.matches("form.memo-form textarea")) {
        event.preventDefault();
        event.target.form.requestSubmit();
      }
      return;
    }
    var item = items[current];
    var recode = item.querySelector("details.recode");
    var typing = event.target.matches("input[type=text], input:not([type]), textarea, select");
    if (event.key === "Escape") {
      item.querySelectorAll("details").forEach(function (d) { d.open = false; });
      if (typing) { event.target.blur(); }
      item.focus({ preventScroll: true });
      return;
    }
    if (typing) { return; }
    if (recode.open) {
      if (/^[1-9]$/.test(event.key)) {
        var boxes = recode.querySelectorAll('input[type="checkbox"]');
        var box = boxes[parseInt(event.key, 10) - 1];
        if (box) { box.checked = !box.checked; }
        event.preventDefault();
        return;
      }
      if (event.key === "Enter") {
        event.preventDefault();
        decide(item, recode.querySelector("form"));
        return;
      }
    }
    switch (event.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "a": decide(item, formFor(item, "accept")); break;
      case "r": decide(item, formFor(item, "reject")); break;
      case "c": recode.open = !recode.open; break;
      case "m":
        var memo = item.querySelector("details.memo");
        memo.open = true;
        memo.querySelector("textarea").focus();
        break;
      case "u": doUndo(); break;
      case "o": window.location.href = item.querySelector("a.open").href; break;
      default: return;
    }
    event.preventDefault();
  });

  select(0);
})();
