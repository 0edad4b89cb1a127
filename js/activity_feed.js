// The dashboard's activity feed: one table row per event, newest first.
// Rendered by the Panel JSComponent `ActivityFeed` (pllm_notebook/dashboard/components.py); the Python side
// pushes the whole `rows` list (at most a few times a second) and this module redraws the table.
// Everything except `render` is a pure function, tested by `node --test js/`.

export const COLUMNS = ["time", "agent", "cell / block", "kind", "model", "latency", "tokens", "prompt / detail"];

const STYLE = `
.pllm-feed { font: 12px/1.35 system-ui, sans-serif; max-height: 320px; overflow-y: auto; }
.pllm-feed table { border-collapse: collapse; width: 100%; }
.pllm-feed th { position: sticky; top: 0; background: #f3f4f6; text-align: left; padding: 3px 6px; }
.pllm-feed td { padding: 2px 6px; border-top: 1px solid #e5e7eb; white-space: nowrap; }
.pllm-feed td.text { white-space: normal; color: #4b5563; max-width: 420px; }
.pllm-feed .kind { border-radius: 8px; padding: 0 6px; font-weight: 600; }
.pllm-feed .k-memo-hit, .pllm-feed .k-replayed { background: #dcfce7; color: #166534; }
.pllm-feed .k-exact-hit { background: #dbeafe; color: #1e40af; }
.pllm-feed .k-semantic-hit { background: #ede9fe; color: #5b21b6; }
.pllm-feed .k-in-flight { background: #fef3c7; color: #92400e; }
.pllm-feed .k-done { background: #e5e7eb; color: #111827; }
.pllm-feed .k-error, .pllm-feed .k-memo-skipped { background: #fee2e2; color: #991b1b; }
.pllm-feed .empty { color: #6b7280; padding: 8px; }
`;

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe to place inside HTML (prompts are user text). */
export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** CSS class of a kind: "semantic hit" -> "k-semantic-hit". */
export function kindClass(kind) {
  return "k-" + String(kind || "event").toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

function pad(n) {
  return String(n).padStart(2, "0");
}

/** Local wall-clock time of an epoch-seconds stamp, as HH:MM:SS. */
export function formatTime(ts) {
  const d = new Date(ts * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Latency in seconds as shown ("", "0.42 s", "12.3 s"). */
export function formatLatency(seconds) {
  if (seconds === null || seconds === undefined) return "";
  return seconds < 10 ? `${seconds.toFixed(2)} s` : `${seconds.toFixed(1)} s`;
}

/** Token count with thousands separators, or "" when unknown. */
export function formatTokens(tokens) {
  if (tokens === null || tokens === undefined) return "";
  return String(Math.round(tokens)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The kind as shown: a semantic hit carries its similarity. */
export function kindLabel(row) {
  if (row.kind === "semantic hit" && typeof row.similarity === "number") {
    return `semantic hit (${row.similarity.toFixed(2)})`;
  }
  return row.kind || "event";
}

/** One feed row as a <tr>; every value is escaped. */
export function rowHtml(row) {
  const cells = [
    formatTime(row.ts),
    row.agent,
    row.label,
    null,
    row.model,
    formatLatency(row.latency_s),
    formatTokens(row.tokens),
  ].map((v, i) =>
    i === 3
      ? `<td><span class="kind ${kindClass(row.kind)}">${escapeHtml(kindLabel(row))}</span></td>`
      : `<td>${escapeHtml(v)}</td>`,
  );
  cells.push(`<td class="text">${escapeHtml(row.text)}</td>`);
  return `<tr data-row-id="${escapeHtml(row.row_id)}" data-kind="${escapeHtml(row.kind)}">${cells.join("")}</tr>`;
}

/** The whole feed table for `rows` (already newest first), at most `limit` rows. */
export function feedHtml(rows, limit = 200) {
  const list = Array.isArray(rows) ? rows.slice(0, limit) : [];
  if (list.length === 0) {
    return '<div class="empty">No activity yet: run a memoized cell or an LLM call.</div>';
  }
  const head = COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${list.map(rowHtml).join("")}</tbody></table>`;
}

/** Panel JSComponent entry point: draw now and on every push of `rows`. */
export function render({ model, el }) {
  const style = document.createElement("style");
  style.textContent = STYLE;
  const root = document.createElement("div");
  root.className = "pllm-feed";
  const draw = () => {
    root.innerHTML = feedHtml(model.rows, model.limit);
  };
  draw();
  model.on("rows", draw);
  el.append(style, root);
}
