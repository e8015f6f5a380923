// The module editor, enhanced: the preview refreshes as the trainer types, source and preview become tabs on
// small screens, and leaving with unsaved text asks first. Without this file the "Preview" button does it all.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function refresher(form, source) {
    var url = form.getAttribute("data-preview-url");
    var preview = document.getElementById("preview");
    var problems = document.getElementById("problems");
    var timer = null;
    var sent = 0;

    function apply(html, number) {
      if (number !== sent) { return; } // an older answer arriving late
      var page = new DOMParser().parseFromString(html, "text/html");
      var body = page.getElementById("preview-body");
      var found = page.getElementById("preview-problems");
      if (body) { preview.replaceChildren.apply(preview, Array.prototype.slice.call(body.childNodes)); }
      if (found && problems) {
        // Quietly, while typing: no alert role or focus move on every refresh.
        var summary = found.querySelector(".error-summary");
        if (summary) { summary.removeAttribute("role"); summary.removeAttribute("data-autofocus"); }
        problems.replaceChildren.apply(problems, Array.prototype.slice.call(found.childNodes));
      }
    }

    function refresh() {
      var data = new FormData(form);
      data.delete("action");
      sent += 1;
      var number = sent;
      fetch(url, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) { apply(html, number); } })
        .catch(function () { /* the Preview button still works */ });
    }

    source.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 600);
    });
  }

  function tabs(editor) {
    var panes = [document.getElementById("source-pane"), document.getElementById("preview-pane")];
    var labels = [editor.getAttribute("data-label-source"), editor.getAttribute("data-label-preview")];
    var list = document.createElement("div");
    list.className = "editor__tabs";
    list.setAttribute("role", "tablist");
    var buttons = panes.map(function (pane, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "editor__tab";
      button.id = pane.id + "-tab";
      button.textContent = labels[index];
      button.setAttribute("role", "tab");
      button.setAttribute("aria-controls", pane.id);
      pane.setAttribute("role", "tabpanel");
      pane.setAttribute("aria-labelledby", button.id);
      list.appendChild(button);
      return button;
    });
    function select(index) {
      buttons.forEach(function (button, i) {
        button.setAttribute("aria-selected", i === index ? "true" : "false");
        button.tabIndex = i === index ? 0 : -1;
        panes[i].hidden = i !== index;
      });
    }
    buttons.forEach(function (button, index) {
      button.addEventListener("click", function () { select(index); });
      button.addEventListener("keydown", function (event) {
        if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
          var next = (index + 1) % 2;
          select(next);
          buttons[next].focus();
          event.preventDefault();
        }
      });
    });
    var small = window.matchMedia("(max-width: 52em)");
    function layout() {
      if (small.matches) {
        if (!list.parentNode) { editor.insertBefore(list, editor.firstChild); }
        select(0);
      } else {
        if (list.parentNode) { list.parentNode.removeChild(list); }
        panes.forEach(function (pane) { pane.hidden = false; pane.removeAttribute("role"); });
      }
    }
    small.addEventListener("change", layout);
    layout();
  }

  ready(function () {
    var form = document.querySelector(".editor-form");
    var source = document.getElementById("source");
    var editor = document.querySelector("[data-editor]");
    if (!form || !source || !editor) { return; }
    refresher(form, source);
    tabs(editor);
    var saved = source.value;
    var submitting = false;
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && source.value !== saved) { event.preventDefault(); event.returnValue = ""; }
    });
  });
}());
