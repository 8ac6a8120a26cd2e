/* Attune intake page: autosave drafts, conditional questions, errors beside questions, submit.
   Plain JavaScript, no build. Every rule is also enforced by the server; this only helps. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main) { return; }
  var api = main.getAttribute("data-api");
  var statusEl = document.getElementById("save-status");
  var DELAY = 500;

  function say(text) { if (statusEl) { statusEl.textContent = text; } }

  function valueOf(q) {
    var type = q.getAttribute("data-type");
    if (type === "multiple_choice") {
      return Array.prototype.map.call(q.querySelectorAll("input:checked"), function (i) { return JSON.parse(i.value); });
    }
    if (type === "single_choice" || type === "scale" || type === "yes_no") {
      var picked = q.querySelector("input:checked");
      return picked ? JSON.parse(picked.value) : null;
    }
    var field = q.querySelector("input, textarea");
    if (!field || field.value === "") { return null; }
    if (type === "number") { var n = Number(field.value); return isNaN(n) ? field.value : n; }
    return field.value;
  }

  function answersOf(form) {
    var out = {};
    form.querySelectorAll(".question").forEach(function (q) { out[q.getAttribute("data-qid")] = valueOf(q); });
    return out;
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function shown(cond, answers) {
    var given = answers[cond.question];
    if ("equals" in cond) { return same(given, cond.equals); }
    if ("in" in cond) { return cond["in"].some(function (v) { return same(given, v); }); }
    return Array.isArray(given) && given.some(function (v) { return same(v, cond.includes); });
  }

  function applyConditions(form) {
    var visible = {};
    form.querySelectorAll(".question").forEach(function (q) {
      var raw = q.getAttribute("data-show-if");
      var show = !raw || shown(JSON.parse(raw), visible);
      q.hidden = !show;
      if (show) { visible[q.getAttribute("data-qid")] = valueOf(q); }
    });
  }

  function setError(form, qid, messages) {
    var q = form.querySelector('.question[data-qid="' + qid + '"]');
    if (!q) { return null; }
    var el = q.querySelector(".error");
    el.textContent = messages ? messages.join(" ") : "";
    q.classList.toggle("has-error", !!messages);
    q.querySelectorAll("input, textarea").forEach(function (i) {
      if (messages) { i.setAttribute("aria-invalid", "true"); } else { i.removeAttribute("aria-invalid"); }
    });
    return q;
  }

  function showErrors(form, fields) {
    var first = null, count = 0;
    Object.keys(fields || {}).forEach(function (key) {
      var qid = key.indexOf("answers.") === 0 ? key.slice(8) : key;
      var q = setError(form, qid, fields[key]);
      if (q) { count += 1; if (!first) { first = q; } }
    });
    var summary = form.querySelector(".form-errors");
    summary.textContent = count ? (count === 1 ? "1 question needs attention." : count + " questions need attention.") : "";
    if (first) {
      var target = first.querySelector("input, textarea");
      if (target) { target.focus(); }
    }
  }

  // Shown on submitting an answer that raised a safety flag (the server decides: intake/safety.py).
  function showSafety(form, safety) {
    if (!safety || form.querySelector(".safety")) { return; }
    var box = document.createElement("div");
    box.className = "safety";
    box.id = "safety-" + form.getAttribute("data-response");
    box.setAttribute("role", "alert");
    [["safety-message", safety.message], ["safety-crisis", safety.crisis_text]].forEach(function (part) {
      var p = document.createElement("p");
      p.className = part[0];
      p.textContent = part[1];
      box.appendChild(p);
    });
    form.insertBefore(box, form.querySelector(".form-errors"));
    box.setAttribute("tabindex", "-1");
    box.focus();
  }

  function send(method, url, body) {
    return fetch(url, {
      method: method, credentials: "omit",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) { return {ok: res.ok, status: res.status, data: data}; });
    });
  }

  document.querySelectorAll("form.intake-form").forEach(function (form) {
    var id = form.getAttribute("data-response");
    var pending = {}, timer = null, inflight = Promise.resolve();

    function flush() {
      clearTimeout(timer);
      timer = null;
      var changes = pending;
      pending = {};
      if (!Object.keys(changes).length) { return inflight; }
      say("Saving\u2026");
      inflight = inflight.then(function () {
        return send("PATCH", api + "responses/" + id + "/", {answers: changes}).then(function (r) {
          if (r.ok) {
            Object.keys(changes).forEach(function (qid) { setError(form, qid, null); });
            say("All changes saved.");
          } else if (r.data && r.data.error) {
            showErrors(form, r.data.error.fields);
            say("Some answers could not be saved.");
          }
        }, function () {
          Object.keys(changes).forEach(function (k) { if (!(k in pending)) { pending[k] = changes[k]; } });
          say("Not saved: check your connection. We will try again.");
        });
      });
      return inflight;
    }

    function changed(event) {
      var q = event.target.closest(".question");
      if (!q || form.classList.contains("is-submitted")) { return; }
      applyConditions(form);
      pending[q.getAttribute("data-qid")] = valueOf(q);
      clearTimeout(timer);
      timer = setTimeout(flush, event.type === "change" ? 0 : DELAY);
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    window.addEventListener("pagehide", function () { if (timer) { flush(); } });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button.submit");
      button.disabled = true;
      flush().then(function () {
        return send("POST", api + "responses/" + id + "/submit/");
      }).then(function (r) {
        if (r.ok) {
          form.classList.add("is-submitted");
          form.querySelector("fieldset.all").disabled = true;
          showErrors(form, {});
          button.remove();
          var done = document.createElement("p");
          done.className = "done";
          done.setAttribute("role", "note");
          done.textContent = "Submitted. Thank you.";
          form.insertBefore(done, form.querySelector(".form-errors"));
          say("Submitted.");
          showSafety(form, r.data && r.data.safety);
        } else {
          form.querySelectorAll(".question").forEach(function (q) { setError(form, q.getAttribute("data-qid"), null); });
          showErrors(form, (r.data && r.data.error && r.data.error.fields) || {});
          say((r.data && r.data.error && r.data.error.message) || "Could not submit.");
          button.disabled = false;
        }
      }, function () { say("Not submitted: check your connection and try again."); button.disabled = false; });
    });
    applyConditions(form);
  });
})();
