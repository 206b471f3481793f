// nightshift's dashboard: the pages are rendered (and escaped) by the server; this script only
// refreshes the live parts and follows the log. It never builds HTML from data it received:
// fragments come from the server's own templates, log lines go in as text.
"use strict";

const REFRESH_MS = 2000; // the server reads its shared view once per tick of this length
const LOG_ROWS_MAX = 2000;

function refresh(part) {
  if (document.hidden) return;
  fetch(part.dataset.live, { credentials: "same-origin", headers: { "Accept": "text/html" } })
    .then((response) => (response.ok ? response.text() : null))
    .then((html) => {
      if (html !== null) part.innerHTML = html;
    })
    .catch(() => {});
}

function cell(row, text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function follow(table) {
  const body = table.tBodies[0];
  const source = new EventSource(table.dataset.events);
  source.addEventListener("log", (event) => {
    const line = JSON.parse(event.data);
    const row = document.createElement("tr");
    row.className = line.level;
    row.dataset.id = String(line.id);
    cell(row, new Date(line.at_ms).toLocaleTimeString(), "at");
    cell(row, line.level);
    const task = cell(row, "");
    if (line.task_id !== null && line.task_id !== undefined) {
      const link = document.createElement("a");
      link.href = "/tasks/" + encodeURIComponent(line.task_id);
      link.textContent = "#" + line.task_id;
      task.appendChild(link);
    }
    const worker = cell(row, "");
    if (typeof line.worker === "string") {
      const link = document.createElement("a");
      link.href = "/logs?worker=" + encodeURIComponent(line.worker);
      link.textContent = line.worker.split(":").pop();
      worker.appendChild(link);
    }
    cell(row, line.event);
    cell(row, String(line.message).split("\n")[0], "text");
    body.appendChild(row);
    while (body.rows.length > LOG_ROWS_MAX) body.deleteRow(0);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const parts = document.querySelectorAll("[data-live]");
  if (parts.length > 0) {
    setInterval(() => parts.forEach(refresh), REFRESH_MS);
  }
  const log = document.querySelector("table[data-events]");
  if (log) follow(log);
});
