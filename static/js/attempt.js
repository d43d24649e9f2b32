/*
 * The attempt page: autosave every answer, keep answers in the browser while the network is
 * down, and a countdown computed from the server's remaining seconds (never the device clock).
 * Without JavaScript the page is a plain form that saves on each button.
 */
(function () {
  "use strict";

  var root = document.getElementById("attempt");
  if (!root) { return; }
  var form = document.getElementById("attempt-form");
  var attemptId = root.dataset.attempt;
  var saveBase = root.dataset.saveUrl;
  var statusUrl = root.dataset.statusUrl;
  var resultUrl = root.dataset.resultUrl;
  var csrf = root.dataset.csrf;
  var storeKey = "quiz-attempt-" + attemptId + "-pending";
  var statusBox = document.getElementById("save-status");
  var timerValue = document.getElementById("timer-value");
  var announcer = document.getElementById("timer-announce");
  var pending = loadPending();
  var inFlight = false;
  var offline = false;
  var finished = false;
  var retryDelay = 1000;
  var endAt = performance.now() + Number(root.dataset.remaining) * 1000;
  var announced = {};
  var lastSync = performance.now();
  var M = JSON.parse(root.dataset.messages);

  document.documentElement.classList.add("js");

  function loadPending() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function persist() {
    try { localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* storage full: memory only */ }
  }
  function say(text, kind) {
    statusBox.textContent = text;
    statusBox.className = "save-status alert py-2 alert-" + (kind || "light");
  }
  function pendingCount() { return Object.keys(pending).length; }

  /* Reading a question's answer from its controls (same shapes as the server expects). */
  function readAnswer(fieldset) {
    var pos = fieldset.dataset.position;
    var type = fieldset.dataset.type;
    var name = "q" + pos;
    var response = null;
    if (type === "single" || type === "truefalse") {
      var checked = fieldset.querySelector("input[name='" + name + "']:checked");
      if (checked) { response = type === "truefalse" ? checked.value === "true" : checked.value; }
    } else if (type === "multiple") {
      response = Array.prototype.map.call(fieldset.querySelectorAll("input[name='" + name + "']:checked"),
        function (el) { return el.value; });
    } else if (type === "numeric" || type === "short") {
      response = fieldset.querySelector("input[name='" + name + "']").value;
    } else if (type === "ordering") {
      var ranks = [];
      var complete = true;
      fieldset.querySelectorAll("select[name^='" + name + "-rank-']").forEach(function (sel) {
        if (!sel.value) { complete = false; }
        ranks.push({ id: sel.name.slice((name + "-rank-").length), rank: Number(sel.value) });
      });
      if (complete) {
        ranks.sort(function (a, b) { return a.rank - b.rank; });
        response = ranks.map(function (r) { return r.id; });
      }
    } else if (type === "matching") {
      response = {};
      fieldset.querySelectorAll("select[name^='" + name + "-match-']").forEach(function (sel) {
        if (sel.value) { response[sel.name.slice((name + "-match-").length)] = sel.value; }
      });
    }
    var flag = fieldset.querySelector("input[name='flag" + pos + "']");
    return { response: response, flagged: !!(flag && flag.checked) };
  }

  /* Putting back answers that were waiting in the browser (after a reload while offline). */
  function restore(fieldset, answer) {
    var pos = fieldset.dataset.position;
    var name = "q" + pos;
    var type = fieldset.dataset.type;
    var r = answer.response;
    if (type === "single" || type === "truefalse" || type === "multiple") {
      var values = Array.isArray(r) ? r : (r === null ? [] : [String(r)]);
      fieldset.querySelectorAll("input[name='" + name + "']").forEach(function (el) {
        el.checked = values.indexOf(el.value) !== -1;
      });
    } else if (type === "numeric" || type === "short") {
      fieldset.querySelector("input[name='" + name + "']").value = r || "";
    } else if (type === "ordering" && Array.isArray(r)) {
      r.forEach(function (id, i) {
        var sel = fieldset.querySelector("select[name='" + name + "-rank-" + id + "']");
        if (sel) { sel.value = String(i + 1); }
      });
    } else if (type === "matching" && r) {
      Object.keys(r).forEach(function (left) {
        var sel = fieldset.querySelector("select[name='" + name + "-match-" + left + "']");
        if (sel) { sel.value = r[left]; }
      });
    }
    var flag = fieldset.querySelector("input[name='flag" + pos + "']");
    if (flag) { flag.checked = !!answer.flagged; }
  }

  function updateNav(pos, answer) {
    var link = document.getElementById("nav-" + pos);
    if (!link) { return; }
    var r = answer.response;
    var answered = r !== null && r !== "" && !(Array.isArray(r) && !r.length) &&
      !(typeof r === "object" && !Array.isArray(r) && !Object.keys(r).length);
    link.classList.toggle("btn-secondary", answered);
    link.classList.toggle("btn-outline-secondary", !answered);
    link.querySelector(".nav-state").textContent = answer.flagged ? " ⚑" : "";
    link.querySelector(".nav-state-text").textContent =
      (answered ? M.answered : M.unanswered) + (answer.flagged ? ", " + M.flagged : "");
    var left = document.querySelectorAll(".question-nav .btn-outline-secondary").length;
    document.getElementById("unanswered-count").textContent =
      (left === 1 ? M.oneUnanswered : M.manyUnanswered).replace("{n}", left);
  }

  function queue(fieldset) {
    var pos = fieldset.dataset.position;
    var answer = readAnswer(fieldset);
    pending[pos] = answer;
    persist();
    updateNav(pos, answer);
    flush();
  }

  function flush() {
    if (inFlight || finished) { return; }
    var positions = Object.keys(pending);
    if (!positions.length) { return; }
    var pos = positions[0];
    var sent = JSON.stringify(pending[pos]);
    inFlight = true;
    if (!offline) { say(M.saving, "light"); }
    fetch(saveBase + pos, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: sent
    }).then(readReply).then(function (reply) {
      inFlight = false;
      if (reply.status === 200 && reply.body.saved) {
        if (JSON.stringify(pending[pos]) === sent) { delete pending[pos]; persist(); }
        offline = false;
        retryDelay = 1000;
        setNavigation(true);
        if (typeof reply.body.remaining_seconds === "number") { resync(reply.body.remaining_seconds); }
        if (!pendingCount()) {
          var at = reply.body.saved_at ? new Date(reply.body.saved_at).toLocaleTimeString("fr-FR",
            { timeZone: root.dataset.timezone }) : "";
          say(M.allSaved + (at ? " (" + at + ")" : ""), "success");
        }
        flush();
      } else if (reply.status === 409) {
        finish(reply.body.message || M.handedIn);
      } else if (mustRenew(reply)) {
        /* The session ended or the page's token is refused: the answer stays in this browser and
           goes out from the page reloaded after logging in again. */
        say(reply.body.message || M.notSaved, "danger");
      } else if (reply.status === 400 || reply.status === 403 || reply.status === 404) {
        delete pending[pos];
        persist();
        say(reply.body.message || M.notSaved, "danger");
        flush();
      } else {
        goOffline();
      }
    }).catch(function () {
      inFlight = false;
      goOffline();
    });
  }

  /* Every answer of the API is JSON; anything else (a proxy's error page) reads as an empty body. */
  function readReply(res) {
    return res.json().then(function (body) { return { status: res.status, body: body || {} }; },
      function () { return { status: res.status, body: {} }; });
  }
  function mustRenew(reply) {
    return reply.status === 401 || reply.body.error === "csrf" || reply.body.error === "password_change_required";
  }

  function goOffline() {
    offline = true;
    setNavigation(false);
    say(M.offline, "warning");
    setTimeout(flush, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  }

  function setNavigation(enabled) {
    form.querySelectorAll(".nav-button").forEach(function (b) { b.disabled = !enabled; });
  }

  function finish(message) {
    finished = true;
    pending = {};
    persist();
    say(message + " " + M.redirecting, "info");
    setTimeout(function () { window.location.assign(resultUrl); }, 2500);
  }

  /* Countdown: a monotonic clock (performance.now) anchored on the server's remaining seconds. */
  function resync(remaining) {
    lastSync = performance.now();
    endAt = lastSync + remaining * 1000;
  }
  function format(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m));
    return (h ? h + " h " : "") + mm + " min " + String(s).padStart(2, "0") + " s";
  }
  function tick() {
    var left = Math.max(0, Math.round((endAt - performance.now()) / 1000));
    timerValue.textContent = format(left);
    [[600, M.left10], [300, M.left5], [60, M.left1]].forEach(function (step) {
      if (left <= step[0] && left > step[0] - 30 && !announced[step[0]]) {
        announced[step[0]] = true;
        announcer.textContent = step[1];
      }
    });
    if (left <= 60) { document.getElementById("timer").classList.add("timer-urgent"); }
    if (left === 0 && !finished) { autoSubmit(); return; }
    setTimeout(tick, 1000 - ((endAt - performance.now()) % 1000 + 1000) % 1000 || 1000);
  }
  function autoSubmit() {
    finished = true;
    announcer.textContent = M.timeUp;
    var deadline = performance.now() + 8000;
    (function waitForSaves() {
      if ((pendingCount() === 0 && !inFlight) || performance.now() > deadline) {
        document.getElementById("auto-submit").submit();
      } else {
        finished = false; flush(); finished = true;
        setTimeout(waitForSaves, 250);
      }
    }());
  }
  /* The status poll notices an attempt handed in elsewhere and corrects the countdown's drift.
     Every save already brings the server's remaining time, so the poll is skipped while saves do:
     at exam scale polls would otherwise weigh as much as the saves themselves (bench/README.md). */
  var POLL_MS = 120000, QUIET_MS = 90000;
  function poll() {
    if (finished) { return; }
    if (!offline && performance.now() - lastSync < QUIET_MS) { setTimeout(poll, POLL_MS); return; }
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(readReply)
      .then(function (reply) {
        if (reply.status !== 200) {
          if (mustRenew(reply)) { say(reply.body.message || M.notSaved, "danger"); }
          return;
        }
        if (reply.body.status !== "in_progress") { finish(M.handedIn); return; }
        resync(reply.body.remaining_seconds);
        if (offline) { flush(); }
      })
      .catch(function () { /* offline: the countdown keeps going on the monotonic clock */ })
      .then(function () { setTimeout(poll, POLL_MS); });
  }

  form.querySelectorAll("fieldset.question").forEach(function (fieldset) {
    var pos = fieldset.dataset.position;
    if (pending[pos]) { restore(fieldset, pending[pos]); updateNav(pos, pending[pos]); }
    fieldset.addEventListener("change", function () { queue(fieldset); });
    var timer = null;
    fieldset.addEventListener("input", function (event) {
      if (event.target.type !== "text") { return; }
      clearTimeout(timer);
      timer = setTimeout(function () { queue(fieldset); }, 600);
    });
  });
  form.addEventListener("submit", function (event) {
    if (offline) { event.preventDefault(); say(M.offlineNavigation, "warning"); }
  });
  window.addEventListener("online", function () { retryDelay = 1000; flush(); });
  window.addEventListener("offline", goOffline);
  if (pendingCount()) { flush(); }
  tick();
  setTimeout(poll, POLL_MS);
}());
