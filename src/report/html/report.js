"use strict";
// Filters: severities, rule, path and route (substrings); the URL fragment can preset them:
// #severity=critical,high&rule=ID&path=TEXT&route=TEXT
(function () {
  const form = document.getElementById("filters");
  const findings = Array.from(document.querySelectorAll("article.finding"));
  const routes = Array.from(document.querySelectorAll("#route-table tbody tr"));
  const shown = document.getElementById("shown");
  const boxes = Array.from(form.querySelectorAll("input[name=severity]"));
  const field = (name) => form.elements[name];
  const has = (text, part) => text.toLowerCase().includes(part.trim().toLowerCase());

  function apply() {
    const severities = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    const rule = field("rule").value;
    const path = field("path").value;
    const route = field("route").value;
    let count = 0;
    for (const f of findings) {
      const keep = severities.has(f.dataset.severity) &&
        (rule === "" || f.dataset.rule === rule) &&
        has(f.dataset.path, path) && has(f.dataset.route, route);
      f.hidden = !keep;
      if (keep) count += 1;
    }
    for (const r of routes) {
      r.hidden = !(has(r.dataset.path, path) && has(r.dataset.route, route));
    }
    shown.textContent = count + " of " + findings.length + " findings shown";
  }

  const preset = new URLSearchParams(location.hash.slice(1));
  if (preset.has("severity")) {
    const wanted = preset.get("severity").split(",");
    for (const b of boxes) b.checked = wanted.includes(b.value);
  }
  for (const name of ["rule", "path", "route"]) {
    if (preset.has(name)) field(name).value = preset.get(name);
  }
  for (const row of document.querySelectorAll("#by-rule tbody tr")) {
    row.addEventListener("click", () => { field("rule").value = row.dataset.rule; apply(); });
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", (e) => e.preventDefault());
  apply();
})();
