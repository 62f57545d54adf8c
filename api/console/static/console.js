// The console's progressive script: every page works without it; with it, the page
// warns before the idle timeout, takes a barcode scanner's keystrokes wherever focus is,
// refreshes its live parts when the service reports movements and alerts, and sounds a
// cue for critical alerts. No rule lives here: the server renders every fragment.
(function () {
  "use strict";
  const body = document.body;
  const csrf = body.dataset.csrf || "";
  const zh = body.dataset.lang !== "en";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // --- keyboard habits: focus on the first field ----------------------------------
  function focusFirst() {
    if (document.activeElement && document.activeElement !== body) return;
    const first = $("main [autofocus]") || $("main form.focus-first input:not([type=hidden]), main form.focus-first select, main form.focus-first textarea");
    if (first) first.focus();
  }

  // --- the scanner: a USB scanner types like a keyboard and ends with Enter -----------
  // Keys typed while no field has focus go to the page's scan field (or the quick scan
  // box in the header), so a scan lands where it belongs wherever the page is.
  function editable(el) {
    if (!el || el === body) return false;
    const tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  function scanField() {
    return $("[data-scan=primary]") || $("[data-scan=quick]");
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.key.length !== 1) return;
    if (editable(ev.target) || $(".dialog:not([hidden])")) return;
    const field = scanField();
    if (!field) return;
    field.focus();
    // The key's character now goes into the focused scan field.
  }, true);

  // --- confirmations ------------------------------------------------------------------
  document.addEventListener("submit", function (ev) {
    const form = ev.target;
    const text = form.dataset && form.dataset.confirm;
    if (text && !window.confirm(text)) ev.preventDefault();
  });

  // --- idle timeout -------------------------------------------------------------------
  const warn = parseInt(body.dataset.warn || "120", 10);
  let left = parseInt(body.dataset.idleLeft || "0", 10);
  let deadline = Date.now() + left * 1000;
  let countdown = null;
  const dialog = $("#idle-warning");

  function schedule(seconds) {
    left = seconds;
    deadline = Date.now() + seconds * 1000;
  }
  function askServer() {
    return fetch("/console/session", { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.status === 200 ? r.json() : { left: 0 }; })
      .catch(function () { return null; });
  }
  function expire() {
    window.location.assign("/?expired=1&next=" + encodeURIComponent(location.pathname + location.search));
  }
  function tick() {
    if (!dialog) return;
    const remaining = Math.round((deadline - Date.now()) / 1000);
    if (remaining <= 0) {
      askServer().then(function (s) {
        if (s && s.left > 0) { schedule(s.left); hideWarning(); } else { expire(); }
      });
      return;
    }
    if (remaining <= warn) {
      if (dialog.hidden) {
        // Another tab may have kept the session alive: ask before warning.
        askServer().then(function (s) {
          if (s && s.left > warn) { schedule(s.left); return; }
          if (s) schedule(s.left);
          showWarning();
        });
      }
      $("#idle-count").textContent = String(Math.max(0, remaining));
    }
  }
  function showWarning() {
    dialog.hidden = false;
    $("#idle-count").textContent = String(Math.max(0, Math.round((deadline - Date.now()) / 1000)));
    $("#idle-stay").focus();
  }
  function hideWarning() { if (dialog) dialog.hidden = true; }
  if (dialog && left > 0) {
    countdown = setInterval(tick, 1000);
    $("#idle-stay").addEventListener("click", function () {
      fetch("/console/session/keepalive", {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      }).then(function (r) { return r.status === 200 ? r.json() : null; })
        .then(function (s) { if (s) { schedule(s.left); hideWarning(); } else { expire(); } });
    });
  }

  // --- sound cue (WebAudio: no file to fetch) --------------------------------------
  let audio = null;
  function unlockAudio() {
    if (!audio && (window.AudioContext || window.webkitAudioContext)) {
      audio = new (window.AudioContext || window.webkitAudioContext)();
    }
    if (audio && audio.state === "suspended") audio.resume();
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });
  function cue() {
    window.consoleCues = (window.consoleCues || 0) + 1;
    unlockAudio();
    if (!audio) return;
    const now = audio.currentTime;
    [0, 0.28, 0.56].forEach(function (at) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, now + at);
      gain.gain.exponentialRampToValueAtTime(0.25, now + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.22);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + at);
      osc.stop(now + at + 0.24);
    });
  }

  function toast(text, critical) {
    const box = $("#toasts");
    if (!box || !text) return;
    const el = document.createElement("div");
    el.className = "toast" + (critical ? " critical" : "");
    el.setAttribute("role", critical ? "alert" : "status");
    el.textContent = text;
    box.prepend(el);
    setTimeout(function () { el.remove(); }, critical ? 20000 : 8000);
    while (box.children.length > 4) box.lastChild.remove();
  }

  // --- live parts: [data-refresh] regions re-rendered by the server on each event -----
  let pending = null;
  function refresh() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      $$("[data-refresh]").forEach(function (region) {
        fetch(region.dataset.refresh, { credentials: "same-origin", headers: { Accept: "text/html" } })
          .then(function (r) { if (r.status === 401 || r.redirected) { return null; } return r.ok ? r.text() : null; })
          .then(function (html) {
            if (html === null) return;
            const before = new Set($$("[data-key]", region).map(function (e) { return e.dataset.key; }));
            region.innerHTML = html;
            $$("[data-key]", region).forEach(function (e) { if (!before.has(e.dataset.key)) e.classList.add("new"); });
            region.dispatchEvent(new CustomEvent("refreshed", { bubbles: true }));
          });
      });
    }, 250);
  }
  // An open inventory counts what a safe's reader or camera reports as it arrives.
  function pullReaders(data) {
    const form = $("#pull-readers");
    if (!form || !data.to_place) return;
    if ((form.dataset.places || "").split(" ").indexOf(data.to_place) < 0) return;
    fetch(form.action, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, Accept: "text/html" },
    }).then(refresh);
  }
  function live() {
    if (body.dataset.live !== "on" || !window.EventSource) return;
    const dot = $("#live-state");
    const source = new EventSource("/console/live");
    source.onopen = function () { if (dot) dot.classList.add("on"); };
    source.onerror = function () { if (dot) dot.classList.remove("on"); };
    ["movement", "alert", "carrier"].forEach(function (kind) {
      source.addEventListener(kind, function (ev) {
        let data = {};
        try { data = JSON.parse(ev.data); } catch (e) { return; }
        if (kind === "movement") pullReaders(data);
        refresh();
        if (kind === "alert" && data.state === "open" && data.text) {
          const critical = data.severity === "critical";
          toast(data.text, critical);
          if (critical) cue();
        }
      });
    });
    source.addEventListener("bye", function () { source.close(); expire(); });
    window.addEventListener("beforeunload", function () { source.close(); });
  }

  // --- the receive form: more items, and each marking shown as it will print ---------
  function markingPreview(block) {
    const level = $("select[name$='.level']", block);
    const period = $("input[name$='.period']", block);
    const out = $(".marking-preview", block);
    if (!level || !period || !out) return;
    const q = new URLSearchParams({ level: level.value, period: period.value });
    const asked = (block.markingAsked = (block.markingAsked || 0) + 1);
    fetch("/console/receive/marking?" + q.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (m) {
        // Answers may come back out of order: only the newest question counts.
        if (!m || asked !== block.markingAsked) return;
        out.textContent = m.marking || "";
        const err = $(".period-error", block);
        if (err) err.textContent = m.error || "";
        period.setAttribute("aria-invalid", m.error ? "true" : "false");
      });
  }
  function wireItem(block) {
    $$("select[name$='.level'], input[name$='.period']", block).forEach(function (el) {
      el.addEventListener("change", function () { markingPreview(block); });
      el.addEventListener("input", function () { markingPreview(block); });
    });
  }
  function renumber(block, index) {
    $$("[name], [id], [for]", block).forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        const v = el.getAttribute(attr);
        if (v) el.setAttribute(attr, v.replace(/items\[\d+\]/, "items[" + index + "]").replace(/items-\d+-/, "items-" + index + "-"));
      });
    });
    const n = $(".item-number", block);
    if (n) n.textContent = String(index + 1);
  }
  function receiveForm() {
    const form = $("#receive-form");
    if (!form) return;
    $$(".item", form).forEach(wireItem);
    $$(".hide-if-script", form).forEach(function (e) { e.hidden = true; });
    const add = $("#add-item");
    if (add) {
      add.hidden = false;
      add.addEventListener("click", function () {
        const items = $$(".item", form);
        const last = items[items.length - 1];
        const copy = last.cloneNode(true);
        // A clone keeps the markup's selections, not the user's: copy those over.
        const chosen = $$("select", last);
        $$("select", copy).forEach(function (sel, k) {
          Array.from(sel.options).forEach(function (o, j) { o.selected = chosen[k].options[j].selected; });
        });
        $$("[aria-invalid]", copy).forEach(function (e) { e.removeAttribute("aria-invalid"); });
        $$(".error-text", copy).forEach(function (e) { e.textContent = ""; });
        $$("input[name$='.title'], input[name$='.copy_number'], input[name$='.pages']", copy).forEach(function (e) { e.value = ""; });
        renumber(copy, items.length);
        items[items.length - 1].after(copy);
        wireItem(copy);
        const count = $("#declared_count");
        if (count && parseInt(count.value || "0", 10) < items.length + 1) count.value = String(items.length + 1);
        const title = $("input[name$='.title']", copy);
        if (title) title.focus();
      });
    }
  }

  // --- the desk camera: frames go to the server, which decodes them -------------------
  // The page only captures: the same decoder as the safes' cameras reads the label.
  function deskCamera() {
    const button = $("#desk-camera");
    const video = $("#desk-video");
    const status = $("#desk-camera-status");
    const field = $("#code");
    if (!button || !video || !field) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;  // needs HTTPS or localhost
    button.hidden = false;
    let running = null;
    function say(zhText, enText) { if (status) status.textContent = zh ? zhText : enText; }
    function stop() {
      if (!running) return;
      clearInterval(running.timer);
      running.stream.getTracks().forEach(function (t) { t.stop(); });
      video.hidden = true;
      running = null;
    }
    function send(canvas) {
      running.busy = true;
      canvas.toBlob(function (blob) {
        const body = new FormData();
        body.append("frame", blob, "frame.jpg");
        fetch("/console/desk/frame", {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
        }).then(function (r) {
          if (r.status === 401) { stop(); expire(); return null; }
          return r.ok ? r.json() : null;
        }).then(function (found) {
          if (running) running.busy = false;
          if (found && found.code) {
            stop();
            say("已识别 " + found.code, "Read " + found.code);
            field.value = found.code;
            field.form.submit();
          }
        }).catch(function () { if (running) running.busy = false; });
      }, "image/jpeg", 0.85);
    }
    button.addEventListener("click", function () {
      if (running) { stop(); say("摄像头已关闭", "Camera off"); return; }
      navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })
        .then(function (stream) {
          video.srcObject = stream;
          video.hidden = false;
          video.play();
          say("摄像头已开启：请将标签对准摄像头", "Camera on: hold the label up to it");
          const canvas = document.createElement("canvas");
          const started = Date.now();
          running = { stream: stream, busy: false, timer: null };
          running.timer = setInterval(function () {
            if (!running) return;
            if (Date.now() - started > 120000) { stop(); say("两分钟未识别到标签，摄像头已关闭", "No label in two minutes: camera off"); return; }
            if (running.busy || !video.videoWidth) return;
            canvas.width = video.videoWidth;
            canvas.height = video.videoHeight;
            canvas.getContext("2d").drawImage(video, 0, 0);
            send(canvas);
          }, 400);
        })
        .catch(function (err) { say("无法打开摄像头：" + err.name, "The camera could not be opened: " + err.name); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirst();
    receiveForm();
    deskCamera();
    live();
  });
})();
