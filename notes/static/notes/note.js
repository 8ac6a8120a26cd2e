// The note editor's autosave: saves as you type (after a short pause), says when it last saved, and stops with
// a clear message when the server refuses a stale or locked save (409). Without JavaScript, the Save button works.
(function () {
  "use strict";
  var form = document.getElementById("note-form");
  if (!form) return;
  var status = document.getElementById("save-status");
  var error = document.getElementById("save-error");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var timer = null, saving = false, again = false, stopped = false;

  function show(message) { error.textContent = message; error.hidden = false; }

  function save() {
    if (stopped) return;
    if (saving) { again = true; return; }
    saving = true;
    status.textContent = "Saving…";
    status.setAttribute("data-state", "saving");
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Autosave": "1", "X-CSRFToken": meta ? meta.getAttribute("content") : "" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        form.querySelector('input[name="version"]').value = result.data.version;
        status.textContent = "Saved at " + result.data.saved_at + ".";
        if (!again) status.setAttribute("data-state", "saved");
        error.hidden = true;
      } else if (result.status === 409) {
        stopped = true;
        status.textContent = "Autosave stopped.";
        status.setAttribute("data-state", "refused");
        show(result.data.error);
      } else {
        status.textContent = "Not saved yet.";
        status.setAttribute("data-state", "invalid");
        show(result.data.error || "Not saved.");
      }
    }).catch(function () {
      status.textContent = "Not saved: the server could not be reached. Your text is still here; it will save on your next change.";
    }).then(function () {
      saving = false;
      if (again) { again = false; save(); }
    });
  }

  function later() {
    if (stopped) return;
    status.setAttribute("data-state", "pending");
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 800);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
