// The dashboard's front end: one ES module for the Panel JSComponent `Part` of pllm_notebook/dashboard/components.py
// (a component's ESM cannot import a sibling file, so everything lives here). Each part has a `kind` ("live": the
// headline cards, charts, activity feed and per-cell table; "table"; "text") and a `data` string: JSON that Python
// pushes at most a few times a second. `render` draws it and redraws on each push; the browser never asks for data.
// Everything except `render` is a pure function, tested by `node --test js/`.

export const COLUMNS = ["time", "agent", "cell / block", "kind", "model", "latency", "tokens", "prompt / detail"];

const FEED_STYLE = `
.pllm-feed { font: 12px/1.35 system-ui, sans-serif; max-height: 320px; overflow: auto; }
.pllm-feed table { border-collapse: collapse; width: 100%; }
.pllm-feed th { position: sticky; top: 0; background: #f3f4f6; text-align: left; padding: 3px 6px; }
.pllm-feed td { padding: 2px 6px; border-top: 1px solid #e5e7eb; white-space: nowrap; }
.pllm-feed td.text { white-space: normal; color: #4b5563; max-width: 420px; min-width: 160px; }
.pllm-feed .kind { border-radius: 8px; padding: 0 6px; font-weight: 600; }
.pllm-feed .k-memo-hit, .pllm-feed .k-replayed { background: #dcfce7; color: #166534; }
.pllm-feed .k-exact-hit { background: #dbeafe; color: #1e40af; }
.pllm-feed .k-semantic-hit { background: #ede9fe; color: #5b21b6; }
.pllm-feed .k-memo-miss, .pllm-feed .k-memo-stored { background: #ffedd5; color: #9a3412; }
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

const CHART_STYLE = `
.pllm-chart { font: 11px system-ui, sans-serif; color: #374151; }
.pllm-chart .caption { margin-bottom: 2px; }
.pllm-chart svg { display: block; background: #f9fafb; border: 1px solid #e5e7eb; }
`;

function round(x) {
  return Math.round(x * 100) / 100;
}

function finite(values) {
  return (Array.isArray(values) ? values : []).filter((v) => typeof v === "number" && Number.isFinite(v));
}

/** SVG polyline points for `values` in [0, 1], spread over `width`, 1 at the top, 0 at the bottom. */
export function sparklinePoints(values, width, height) {
  const ys = finite(values);
  if (ys.length === 0) return "";
  const step = ys.length > 1 ? width / (ys.length - 1) : 0;
  return ys
    .map((v, i) => {
      const clamped = Math.min(1, Math.max(0, v));
      return `${round(i * step)},${round(height - clamped * height)}`;
    })
    .join(" ");
}

/** Counts of `values` in `bins` equal bins over [lo, hi]; values outside are clamped to the edge bins. */
export function histogramBins(values, lo = 0, hi = 1, bins = 20) {
  const counts = new Array(bins).fill(0);
  for (const v of finite(values)) {
    const i = Math.floor(((v - lo) / (hi - lo)) * bins);
    counts[Math.min(bins - 1, Math.max(0, i))] += 1;
  }
  return counts;
}

/** The sparkline as an SVG string; the last value is printed as a percentage. */
export function sparklineSvg(values, width = 240, height = 48) {
  const ys = finite(values);
  const last = ys.length ? `${Math.round(ys[ys.length - 1] * 100)}%` : "–";
  const points = sparklinePoints(ys, width, height - 4);
  const line = points
    ? `<polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="${points}" transform="translate(0,2)"/>`
    : "";
  return (
    `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" data-points="${ys.length}">` +
    `${line}<text x="${width - 4}" y="12" text-anchor="end" class="last">${last}</text></svg>`
  );
}

/** Histogram of similarities (hits in violet, near-misses in grey) with the threshold as a red line. */
export function histogramSvg(hits, misses, threshold, width = 240, height = 60, lo = 0.5, hi = 1.0, bins = 25) {
  const hitCounts = histogramBins(hits, lo, hi, bins);
  const missCounts = histogramBins(misses, lo, hi, bins);
  const top = Math.max(1, ...hitCounts.map((c, i) => c + missCounts[i]));
  const barW = width / bins;
  const scale = (height - 12) / top;
  let bars = "";
  for (let i = 0; i < bins; i++) {
    const x = round(i * barW + 0.5);
    const hm = missCounts[i] * scale;
    const hh = hitCounts[i] * scale;
    if (hm > 0) bars += `<rect class="miss" x="${x}" y="${round(height - hm)}" width="${round(barW - 1)}" height="${round(hm)}" fill="#9ca3af"/>`;
    if (hh > 0) bars += `<rect class="hit" x="${x}" y="${round(height - hm - hh)}" width="${round(barW - 1)}" height="${round(hh)}" fill="#7c3aed"/>`;
  }
  let line = "";
  if (typeof threshold === "number" && Number.isFinite(threshold)) {
    const tx = round(((Math.min(hi, Math.max(lo, threshold)) - lo) / (hi - lo)) * width);
    line = `<line class="threshold" x1="${tx}" x2="${tx}" y1="0" y2="${height}" stroke="#dc2626" stroke-dasharray="3,2"/>`;
  }
  return (
    `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" data-hits="${finite(hits).length}">` +
    `${bars}${line}<text x="2" y="10">${lo}</text><text x="${width - 2}" y="10" text-anchor="end">${hi}</text></svg>`
  );
}

const BLOCK_STYLE = `
.pllm-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 6px; font-family: system-ui, sans-serif; }
.pllm-card { background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 6px; padding: 4px 8px; }
.pllm-card .v { font-size: 18px; font-weight: 600; color: #111827; }
.pllm-card .c { font-size: 11px; color: #6b7280; }
table.pllm-table { border-collapse: collapse; font: 12px system-ui, sans-serif; width: 100%; }
table.pllm-table th { background: #f3f4f6; text-align: left; padding: 3px 6px; }
table.pllm-table td { border-top: 1px solid #e5e7eb; padding: 2px 6px; }
.pllm-empty { font: italic 12px system-ui, sans-serif; color: #6b7280; }
pre.pllm-entry { font-size: 11px; white-space: pre-wrap; max-height: 300px; overflow: auto; }
`;

/** Headline figures as cards; each value carries data-metric="<key>" so people and tests can find it. */
export function cardsHtml(items) {
  const cards = (Array.isArray(items) ? items : []).map(
    (h) =>
      `<div class="pllm-card"><div class="v" data-metric="${escapeHtml(h.key)}">${escapeHtml(h.value)}</div>` +
      `<div class="c">${escapeHtml(h.caption)}</div></div>`,
  );
  return `<div class="pllm-cards">${cards.join("")}</div>`;
}

/** A table of `rows` (arrays of cells) under `columns`, or the `empty` note when there are no rows. */
export function tableHtml(columns, rows, empty = "nothing yet") {
  if (!Array.isArray(rows) || rows.length === 0) {
    return `<div class="pllm-empty">${escapeHtml(empty)}</div>`;
  }
  const head = (columns || []).map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows
    .map((row) => `<tr>${(row || []).map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("");
  return `<table class="pllm-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Preformatted text (an inspected cache entry), or nothing. */
export function textHtml(text) {
  return text ? `<pre class="pllm-entry">${escapeHtml(text)}</pre>` : "";
}

const LIVE_STYLE = `
.pllm-charts { display: flex; flex-wrap: wrap; gap: 12px; margin: 6px 0; }
.pllm-section { font: 600 13px system-ui, sans-serif; margin: 8px 0 4px; }
.pllm-title { font: 13px system-ui, sans-serif; margin: 0 0 6px; }
.pllm-title small { color: #555; }
`;

/** The live part of the dashboard: headline cards, the two charts, the activity feed, the per-cell table. */
export function liveHtml(d) {
  const chart = (caption, svg) => `<div class="pllm-chart"><div class="caption">${escapeHtml(caption)}</div>${svg}</div>`;
  const title = d.title
    ? `<div class="pllm-title"><b>pllm dashboard</b> <small>${escapeHtml(d.title)}</small></div>`
    : "";
  return (
    title +
    cardsHtml(d.headlines) +
    '<div class="pllm-charts">' +
    chart("hit rate over time", sparklineSvg(d.hit_rate, 260, 60)) +
    chart(
      "similarity of semantic hits (grey: near misses, red: threshold)",
      histogramSvg(d.similarities, d.miss_similarities, d.threshold, 260, 60),
    ) +
    "</div>" +
    '<div class="pllm-section">Activity</div>' +
    `<div class="pllm-feed">${feedHtml(d.feed, d.limit)}</div>` +
    '<div class="pllm-section">Memoized cells and blocks</div>' +
    tableHtml(d.cell_columns, d.cells, "no memoized cell has run yet")
  );
}

/** The HTML of a part of kind `kind` ("live", "table" or "text") showing `data`. */
export function componentHtml(kind, data) {
  const d = data || {};
  if (kind === "live") return liveHtml(d);
  if (kind === "text") return textHtml(d.text);
  return tableHtml(d.columns, d.rows, d.empty);
}

/** `model.data` parsed; a malformed push shows as empty rather than breaking the page. */
export function parseData(text) {
  try {
    return JSON.parse(text || "null") || {};
  } catch {
    return {};
  }
}

/**
 * A part's `kind`, `data` and change events, from a Panel JSComponent model (attributes, `on("data")`)
 * or an anywidget model (`get("data")`, `on("change:data")`, and `save_changes`, which Panel's lacks).
 */
export function partModel(model) {
  if (typeof model.save_changes !== "function") return model;
  return {
    get kind() {
      return model.get("kind");
    },
    get data() {
      return model.get("data");
    },
    on: (name, fn) => model.on(`change:${name}`, fn),
  };
}

/** Entry point for Panel's JSComponent and for anywidget: draw now and on every push of `data`. */
export function render({ model, el }) {
  const part = partModel(model);
  const style = document.createElement("style");
  style.textContent = FEED_STYLE + CHART_STYLE + BLOCK_STYLE + LIVE_STYLE;
  const root = document.createElement("div");
  root.className = `pllm-${part.kind}`;
  const draw = () => {
    root.innerHTML = componentHtml(part.kind, parseData(part.data));
  };
  draw();
  part.on("data", draw);
  el.append(style, root);
  if (part !== model) model.send({ event: "rendered" }); // a notebook front end shows widgets: see attach.py
}

export default { render };
