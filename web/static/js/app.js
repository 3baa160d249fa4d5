/* The web application's only script of its own (CSP: no inline script anywhere). It
 * 1. sends the session's CSRF token with every htmx request (from <meta name="csrf-token">);
 * 2. marks a field aria-invalid while its error line (p.error[data-for]) has text, and its
 *    criterion while any of its lines does;
 * 3. disables a criterion's figures while "did not arise this year" is ticked;
 * 4. checks an evidence file's type and size before uploading it, chosen or dropped;
 * 5. shows a failed htmx request in the page's alert region.
 * Everything else is htmx attributes in the templates.
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  function markInvalid(root) {
    root.querySelectorAll("article.criterion").forEach(function (criterion) {
      var wrong = Array.prototype.some.call(
        criterion.querySelectorAll(".criterion__form p.error, .result p.error"),
        function (line) { return line.textContent.trim() !== ""; }
      );
      criterion.classList.toggle("criterion--invalid", wrong);
    });
    root.querySelectorAll("p.error[data-for]").forEach(function (line) {
      var field = document.getElementById(line.getAttribute("data-for"));
      if (!field) { return; }
      if (line.textContent.trim()) {
        field.setAttribute("aria-invalid", "true");
      } else {
        field.removeAttribute("aria-invalid");
      }
    });
  }

  function applyNotApplicable(box) {
    var form = box.closest("form");
    var figures = form && form.querySelector("[data-na-target]");
    if (!figures) { return; }
    figures.querySelectorAll("input").forEach(function (input) { input.disabled = box.checked; });
  }

  // Capture phase: runs before htmx reads the form, so disabled figures are not sent.
  document.addEventListener("change", function (event) {
    if (event.target.matches("input[data-na]")) { applyNotApplicable(event.target); }
    if (event.target.matches("input[type=file][data-accept]")) {
      upload(event.target, event.target.files);
    }
  }, true);

  function problemWith(input, file) {
    var name = file.name.toLowerCase();
    var accepted = (input.getAttribute("data-accept") || "").split(",");
    if (!accepted.some(function (ext) { return ext && name.endsWith(ext); })) {
      return input.getAttribute("data-wrong-type");
    }
    if (file.size > Number(input.getAttribute("data-max-bytes"))) {
      return input.getAttribute("data-too-large");
    }
    return "";
  }

  function upload(input, files) {
    var form = input.closest("form");
    var error = form.querySelector("[data-drop-error]");
    if (!files || !files.length) { return; }
    var problem = problemWith(input, files[0]);
    error.textContent = problem;
    if (problem) {
      input.value = "";
      return;
    }
    if (input.files !== files) {
      var transfer = new DataTransfer();
      transfer.items.add(files[0]);
      input.files = transfer.files;
    }
    form.requestSubmit();
  }

  // The change event of a file input would upload too: that is handled above, once.
  document.addEventListener("dragover", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.add("dropzone--over");
  });
  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone) { zone.classList.remove("dropzone--over"); }
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.remove("dropzone--over");
    upload(zone.querySelector("input[type=file]"), event.dataTransfer.files);
  });

  function alertRegion() { return document.getElementById("alerts"); }

  document.addEventListener("htmx:responseError", function (event) {
    var region = alertRegion();
    var xhr = event.detail.xhr;
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (region && type.indexOf("text/html") === 0) {
      region.innerHTML = xhr.responseText;
    }
  });
  document.addEventListener("htmx:sendError", function () {
    var region = alertRegion();
    if (region) {
      region.textContent = region.getAttribute("data-offline") || "";
    }
  });

  document.addEventListener("htmx:afterSettle", function () { markInvalid(document); });
  document.addEventListener("DOMContentLoaded", function () {
    markInvalid(document);
    var problems = document.getElementById("problems");
    if (problems) { problems.focus(); }
  });
}());
