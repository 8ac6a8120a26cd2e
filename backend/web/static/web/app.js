// The shell's small script: htmx sends the CSRF token with its requests; the first form error gets focus.
// No inline scripts anywhere (the Content-Security-Policy allows only this origin's files).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (event) {
    if (meta) event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
  });
  document.addEventListener("DOMContentLoaded", function () {
    var errors = document.querySelector(".form-errors");
    if (errors) errors.focus();
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      var form = el.tagName === "FORM" ? el : el.form;
      if (!form) return;
      form.addEventListener("submit", function (event) {
        if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  });
})();
