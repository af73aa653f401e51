// guaranty workbench: uploads, edits, runs with live progress, cancel. No external code.
"use strict";

async function api(method, url, body, type) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = type || "application/json";
    opts.body = type ? body : JSON.stringify(body);
  }
  const res = await fetch(url, opts);
  let data = null;
  try { data = await res.json(); } catch (e) { data = { error: res.statusText }; }
  if (!res.ok) { throw new Error((data && data.error) || res.statusText); }
  return data;
}

function show(el, text) { if (el) { el.textContent = text; el.hidden = !text; } }

// upload
const up = document.getElementById("upload-form");
if (up) {
  up.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = document.getElementById("upload-file").files[0];
    const err = document.getElementById("upload-error");
    if (!file) { show(err, "choose a file first"); return; }
    try {
      const text = await file.text();
      const name = file.name.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 100);
      const got = await api("POST", "/api/scenarios?filename=" + encodeURIComponent(name), text, "text/plain");
      window.location = "/scenarios/" + got.id;
    } catch (e) { show(err, e.message); }
  });
}

// assumptions: send only what changed
const form = document.getElementById("assumptions-form");
if (form) {
  for (const el of form.querySelectorAll("input[data-path]")) { el.dataset.original = el.value; }
  const conduct0 = {}, fights0 = {};
  const warToday = document.getElementById("war-today");
  const warToday0 = warToday ? warToday.checked : null;
  const obligationsOf = row => [...row.querySelectorAll("input:checked:not(.fights)")].map(x => x.value);
  for (const row of form.querySelectorAll("tr[data-guarantor]")) {
    conduct0[row.dataset.guarantor] = obligationsOf(row).join(",");
    fights0[row.dataset.guarantor] = row.querySelector("input.fights").checked;
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const changes = [];
    for (const el of form.querySelectorAll("input[data-path]")) {
      if (el.value !== el.dataset.original && el.value !== "") {
        changes.push({ path: el.dataset.path.split("."), nominal: parseFloat(el.value) });
      }
    }
    for (const row of form.querySelectorAll("tr[data-guarantor]")) {
      const now = obligationsOf(row);
      if (now.join(",") !== conduct0[row.dataset.guarantor]) {
        changes.push({ path: ["credibility", "conduct", row.dataset.guarantor, "today"], value: now });
      }
      const fights = row.querySelector("input.fights").checked;
      if (fights !== fights0[row.dataset.guarantor]) {
        changes.push({ path: ["credibility", "conduct", row.dataset.guarantor, "fights"], flag: fights });
      }
    }
    if (warToday && warToday.checked !== warToday0) {
      changes.push({ path: ["credibility", "war_today"], flag: warToday.checked });
    }
    const err = document.getElementById("assumptions-error");
    if (!changes.length) { show(err, "nothing changed"); return; }
    try {
      const name = form.querySelector("input[name=name]").value;
      const got = await api("POST", "/api/scenarios/" + form.dataset.scenario + "/versions", { changes, name });
      window.location = "/scenarios/" + got.id;
    } catch (e) { show(err, e.message); }
  });
}

// start a run, follow it until it ends, then open its results
for (const f of document.querySelectorAll("form.start-run")) {
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const status = f.querySelector(".run-status");
    const scenario = f.dataset.scenario || f.querySelector("[name=scenario]").value;
    const body = { scenario, draws: parseInt(f.querySelector("[name=draws]").value, 10),
                   seed: parseInt(f.querySelector("[name=seed]").value, 10) };
    try {
      const job = await api("POST", "/api/runs", body);
      status.textContent = "queued";
      follow(job.run_id, status, true);
    } catch (e) { status.textContent = e.message; status.classList.add("error"); }
  });
}

async function follow(runId, status, open) {
  for (;;) {
    let r;
    try { r = await api("GET", "/api/runs/" + runId); } catch (e) { status.textContent = e.message; return; }
    status.textContent = r.status + " " + r.done.toLocaleString() + " / " + r.draws.toLocaleString();
    status.dataset.status = r.status;
    if (["done", "cancelled", "failed"].includes(r.status)) {
      if (open && r.status === "done") { window.location = "/runs/" + runId; }
      return;
    }
    await new Promise(res => setTimeout(res, 400));
  }
}

// run list: live progress and cancel
const runs = document.getElementById("runs");
if (runs) {
  runs.addEventListener("click", async (ev) => {
    const b = ev.target.closest("button.cancel");
    if (!b) return;
    try { await api("POST", "/api/runs/" + b.dataset.run + "/cancel"); } catch (e) { alert(e.message); }
  });
  setInterval(async () => {
    const active = runs.querySelectorAll("tr[data-status=queued], tr[data-status=running]");
    if (!active.length) return;
    for (const row of active) {
      try {
        const r = await api("GET", "/api/runs/" + row.dataset.run);
        row.querySelector("progress").value = r.done;
        row.querySelector(".done").textContent = r.done.toLocaleString();
        row.querySelector(".status").textContent = r.status;
        row.dataset.status = r.status;
        if (["done", "cancelled", "failed"].includes(r.status)) { setTimeout(() => location.reload(), 300); }
      } catch (e) { /* the next tick tries again */ }
    }
  }, 700);
}
