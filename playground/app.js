// The playground page: reads the text boxes, calls the wasm build of
// crates/playground (JSON in, JSON out) and shows its answer. No rule is
// decided here; this file only moves text between the page and the module.

import init, * as pg from "./pkg/playground.js";

const $ = (id) => document.getElementById(id);

/** Calls an export; its answer is `{ok, result}` or `{ok: false, error}`. */
function call(fn, ...args) {
  try {
    return JSON.parse(fn(...args));
  } catch (e) {
    // Only a trap of the module itself lands here; show it as a value too.
    return { ok: false, error: { kind: "internal", message: String(e && e.message ? e.message : e) } };
  }
}

class InputError extends Error {
  constructor(error) {
    super(error.message);
    this.error = error;
  }
}

function unwrap(answer) {
  if (!answer.ok) throw new InputError(answer.error);
  return answer.result;
}

/** The documents of one text box. */
function documents(id, what) {
  return unwrap(call(pg.parseDocuments, $(id).value, what));
}

/** One object (or null) from a text box. */
function single(id, what) {
  const docs = documents(id, what);
  if (docs.length > 1) {
    throw new InputError({ kind: "shape", message: `${what}: expected one document, got ${docs.length}` });
  }
  return docs.length ? docs[0] : null;
}

/** The context box: a list, a List, {"resources": [...]}, or YAML documents. */
function contextObjects() {
  const docs = documents("context", "context");
  if (docs.length === 1 && (Array.isArray(docs[0]) || docs[0].resources || docs[0].items)) return docs[0];
  return docs;
}

function yaml(value) {
  const answer = call(pg.toYaml, JSON.stringify(value));
  return answer.ok ? answer.result : JSON.stringify(value, null, 2);
}

function yamlDocuments(values) {
  return values.map(yaml).join("---\n");
}

function mode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

function setMode(m) {
  document.querySelector(`input[name="mode"][value="${m}"]`).checked = true;
  $("objects-mode").hidden = m !== "objects";
  $("request-mode").hidden = m !== "request";
}

function groupOf(apiVersion) {
  return typeof apiVersion === "string" && apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
}

// ------------------------------------------------------------------ output

function showError(error) {
  const box = $("error");
  box.textContent = `${error.kind} error: ${error.message}`;
  box.hidden = false;
}

/** Hides the error and the given answer panels (all of them by default). */
function clearOutput(...panels) {
  $("error").hidden = true;
  for (const p of panels.length ? panels : ["result", "planning"]) $(p).hidden = true;
}

function text(id, value) {
  $(id).textContent = value == null ? "" : value;
}

function list(id, items, render) {
  const ul = $(id);
  ul.replaceChildren();
  for (const item of items) {
    const li = document.createElement("li");
    render(li, item);
    ul.appendChild(li);
  }
}

let expectation = null;

function showEvaluation(r) {
  const label = { accept: "ACCEPTED", mutate: "MUTATED", reject: "REJECTED" }[r.verdict];
  const v = $("verdict");
  v.textContent = label;
  v.className = `verdict ${r.verdict}`;
  text("rule", r.rule || "—");
  text("message", r.message || (r.allowed ? "The request is allowed." : ""));
  text("summary", r.summary);
  list("lookups", r.lookups.length ? r.lookups : ["none"], (li, l) => (li.textContent = l));
  $("mutated-box").hidden = !r.mutatedObject;
  text("mutated", r.mutatedObject ? yaml(r.mutatedObject) : "");
  $("built-box").hidden = !r.builtRequest;
  text("built", r.builtRequest ? yaml(r.builtRequest) : "");
  const exp = $("expected");
  if (expectation) {
    const want = expectation.allowed ? "allowed" : "rejected";
    const rule = expectation.rule ? ` by ${expectation.rule}` : "";
    const same =
      expectation.allowed === r.allowed &&
      (!expectation.rule || expectation.rule === r.rule) &&
      (!expectation.message_contains || (r.message || "").includes(expectation.message_contains));
    exp.textContent = `The case file expects: ${want}${rule}. ${same ? "✓ same answer" : "✗ different answer"}`;
    exp.className = `expected ${same ? "same" : "different"}`;
    exp.hidden = false;
  } else {
    exp.hidden = true;
  }
  $("result").hidden = false;
}

function planLines(view) {
  list("plan-lines", view ? view.lines : [], (li, line) => {
    const step = document.createElement("div");
    step.textContent = line.text;
    li.appendChild(step);
    if (line.commit) {
      li.classList.add("commit");
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = "commit point";
      step.appendChild(tag);
    }
    if (line.undo) {
      const undo = document.createElement("div");
      undo.className = "undo";
      undo.textContent = `undo: ${line.undo}`;
      li.appendChild(undo);
    }
  });
}

function showPlanning(p) {
  text("plan-rs", p.rayservice);
  text("plan-status", `active ${p.active || '""'}, pending ${p.pending || '""'}`);
  const svc = (s) => `${s.name} → ${s.selects == null ? "(absent)" : s.selects || '""'}`;
  text("plan-services", `${svc(p.headService)}; ${svc(p.serveService)}`);
  text(
    "plan-clusters",
    p.clusters.length
      ? p.clusters
          .map((c) => `${c.name} (${c.deleting ? "deleting" : c.headPodReady ? "head ready" : `head not ready: ${c.headProblem}`})`)
          .join(", ")
      : "none"
  );
  const { state, ...rest } = p.diagnosis;
  const facts = Object.entries(rest).map(([k, v]) => `${k} ${v || '""'}`);
  text("plan-diagnosis", facts.length ? `${state}: ${facts.join(", ")}` : state);
  text("plan-guard", p.switch.ready ? "passes" : `refuses: ${p.switch.guardFailure}`);
  text("plan-decision", p.repair.decision);
  text("plan-reason", p.repair.reason || "");
  planLines(p.repair.plan || p.switch.plan);
  $("planning").hidden = false;
}

// ------------------------------------------------------------------ actions

function evaluateInput() {
  const settingsDoc = single("settings", "settings");
  const input = { settings: settingsDoc, context: contextObjects() };
  let group;
  if (mode() === "request") {
    input.request = single("full-request", "request");
    const req = input.request && input.request.kind === "AdmissionReview" ? input.request.request : input.request;
    group = req && req.resource ? req.resource.group : undefined;
  } else {
    input.operation = $("operation").value;
    if ($("subresource").value) input.subResource = $("subresource").value;
    input.oldObject = single("old-object", "old object");
    input.object = single("new-object", "new object");
    const obj = input.object || input.oldObject;
    group = obj ? groupOf(obj.apiVersion) : undefined;
  }
  // The two domain evaluators, as the page's API promises; anything else
  // goes to the generic one, whose answer names what it does not guard.
  if (group === "scheduling.volcano.sh" || group === "batch.volcano.sh") return call(pg.evaluateVolcano, JSON.stringify(input));
  if (group === "ray.io" || group === "") return call(pg.evaluateKuberay, JSON.stringify(input));
  return call(pg.evaluate, JSON.stringify(input));
}

function onEvaluate() {
  clearOutput("result");
  try {
    showEvaluation(unwrap(evaluateInput()));
  } catch (e) {
    if (e instanceof InputError) showError(e.error);
    else showError({ kind: "internal", message: String(e) });
  }
}

function onPlan() {
  clearOutput("planning");
  try {
    const input = { objects: contextObjects(), nowUnixSecs: Math.floor(Date.now() / 1000) };
    // The plan judges heads as the policy does: with lookupHeadPod, by the head Pods in the context.
    const settings = single("settings", "settings");
    if (settings && typeof settings === "object" && "lookupHeadPod" in settings) input.lookupHeadPod = settings.lookupHeadPod;
    if ($("after-write").checked) {
      const written = mode() === "request" ? (single("full-request", "request") || {}).object : single("new-object", "new object");
      if (written) input.written = [written];
    }
    showPlanning(unwrap(call(pg.planSwitchover, JSON.stringify(input))));
  } catch (e) {
    if (e instanceof InputError) showError(e.error);
    else showError({ kind: "internal", message: String(e) });
  }
}

// ------------------------------------------------------------------ scenarios

let scenarios = [];
let loading = 0; // the latest loadStep call; an older one that finishes later changes nothing

async function loadStep(scenario, index) {
  const me = ++loading;
  clearOutput();
  delete document.body.dataset.step;
  const file = scenario.steps[index];
  const response = await fetch(`pkg/cases/${file}`);
  if (me !== loading) return;
  if (!response.ok) {
    showError({ kind: "load", message: `pkg/cases/${file}: HTTP ${response.status} (run scripts/playground.sh)` });
    return;
  }
  const c = await response.json();
  if (me !== loading) return;
  const req = c.request;
  setMode("objects");
  $("operation").value = req.operation;
  $("subresource").value = req.subResource || "";
  $("old-object").value = req.oldObject ? yaml(req.oldObject) : "";
  $("new-object").value = req.object ? yaml(req.object) : "";
  $("full-request").value = yaml(req);
  const resources = (c.context && c.context.resources) || [];
  $("context").value = yamlDocuments(resources);
  $("settings").value = c.settings && Object.keys(c.settings).length ? yaml(c.settings) : "";
  expectation = c.expect || null;
  list("steps", scenario.steps, (li, f) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = `${scenario.steps.indexOf(f) + 1}`;
    b.title = f;
    if (f === file) b.classList.add("current");
    b.addEventListener("click", () => loadStep(scenario, scenario.steps.indexOf(f)));
    li.appendChild(b);
  });
  const name = document.createElement("li");
  name.className = "step-name";
  name.textContent = c.name || file;
  $("steps").appendChild(name);
  document.body.dataset.step = file;
}

function onScenario() {
  const s = scenarios.find((x) => x.id === $("scenario").value);
  expectation = null;
  if (!s) {
    loading++;
    text("scenario-about", "Paste objects below: the old and new object of a request, and the objects it may look up.");
    $("steps").replaceChildren();
    return;
  }
  text("scenario-about", s.about);
  loadStep(s, 0);
}

async function main() {
  await init();
  // For scripts and the browser test: the module's exports.
  window.transitionPlayground = pg;
  for (const m of document.querySelectorAll('input[name="mode"]')) {
    m.addEventListener("change", () => setMode(mode()));
  }
  $("evaluate").addEventListener("click", onEvaluate);
  $("plan").addEventListener("click", onPlan);
  $("scenario").addEventListener("change", onScenario);
  const response = await fetch("scenarios.json");
  scenarios = (await response.json()).scenarios;
  for (const s of scenarios) {
    const o = document.createElement("option");
    o.value = s.id;
    o.textContent = s.title;
    $("scenario").appendChild(o);
  }
  // Start on the first scenario; "paste your own objects" is the first option.
  if (scenarios.length) $("scenario").value = scenarios[0].id;
  onScenario();
  text("status", `rules loaded: playground ${pg.version()} (transition-core in WebAssembly)`);
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  text("status", `could not load the rules: ${e} — build them with scripts/playground.sh`);
  $("status").classList.add("failed");
});
