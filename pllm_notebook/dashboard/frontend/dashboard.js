// The dashboard's front end: one ES module for the Panel JSComponent `Part` of pllm_notebook/dashboard/components.py
// (a component's ESM cannot import a sibling file, so everything lives here). Each part has a `kind` ("live": the
// headline cards, charts, activity feed and per-cell table; "table"; "text") and a `data` string: JSON that Python
// pushes at most a few times a second. `render` draws it and redraws on each push; the browser never asks for data.
// Everything except `render` is a pure function, tested by `node --test js/`.

export const COLUMNS = ["time", "agent", "cell / block", "kind", "model", "latency", "tokens", "prompt / detail"];
const COLUMN_CLASSES = ["c-time", "c-agent", "c-cell", "c-kind", "c-model", "c-latency", "c-tokens", "text"];

const FEED_STYLE = `
.pllm-feed { font: 12px/1.35 system-ui, sans-serif; max-height: 320px; overflow: auto; }
.pllm-feed table { border-collapse: collapse; width: 100%; }
.pllm-feed th { position: sticky; top: 0; background: #f3f4f6; text-align: left; padding: 3px 6px; }
.pllm-feed td { padding: 2px 6px; border-top: 1px solid #e5e7eb; white-space: nowrap; }
.pllm-feed td.text { white-space: normal; color: #4b5563; max-width: 420px; min-width: 160px; }
.pllm-feed td.c-cell { max-width: 240px; overflow: hidden; text-overflow: ellipsis; }
.pllm-feed tbody tr { cursor: pointer; }
.pllm-feed tbody tr:hover td { background: #f3f4f6; }
.pllm-feed tbody tr.selected td, .pllm-feed tbody tr.selected:hover td { background: #e0e7ff; }
@container (max-width: 720px) { .pllm-feed .c-agent, .pllm-feed .c-model { display: none; } .pllm-feed td.c-cell { max-width: 120px; } .pllm-feed td.text { min-width: 120px; } }
@container (max-width: 480px) { .pllm-feed .c-latency, .pllm-feed .c-tokens { display: none; } .pllm-feed td.text { min-width: 100px; } }
@container (max-width: 400px) { .pllm-feed .c-time { display: none; } .pllm-feed td.c-cell { max-width: 90px; } }
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
    row.cell || row.label,
    null,
    row.model,
    formatLatency(row.latency_s),
    formatTokens(row.tokens),
    row.text,
  ].map((v, i) =>
    i === 3
      ? `<td class="c-kind"><span class="kind ${kindClass(row.kind)}">${escapeHtml(kindLabel(row))}</span></td>`
      : `<td class="${COLUMN_CLASSES[i]}"${i === 2 ? ` title="${escapeHtml(v)}"` : ""}>${escapeHtml(v)}</td>`,
  );
  return `<tr data-row-id="${escapeHtml(row.row_id)}" data-kind="${escapeHtml(row.kind)}">${cells.join("")}</tr>`;
}

/** The whole feed table for `rows` (already newest first), at most `limit` rows. */
export function feedHtml(rows, limit = 200) {
  const list = Array.isArray(rows) ? rows.slice(0, limit) : [];
  if (list.length === 0) {
    return '<div class="empty">No activity yet: run a memoized cell or an LLM call.</div>';
  }
  const head = COLUMNS.map((c, i) => `<th class="${COLUMN_CLASSES[i]}">${escapeHtml(c)}</th>`).join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${list.map(rowHtml).join("")}</tbody></table>`;
}

const CHART_STYLE = `
.pllm-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 10px 16px; margin: 8px 0; }
.pllm-chart { font: 11px system-ui, sans-serif; color: #374151; min-width: 0; }
.pllm-chart .caption { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 2px 8px; margin-bottom: 2px; }
.pllm-chart .caption b { font-weight: 600; }
.pllm-chart .legend span { white-space: nowrap; margin-left: 8px; }
.pllm-chart svg { display: block; width: 100%; background: #f9fafb; border: 1px solid #e5e7eb; }
.pllm-chart .axis { display: flex; justify-content: space-between; color: #6b7280; font-size: 10px; }
.pllm-chart .note { color: #6b7280; font-style: italic; padding: 4px 0; }
`;

const VIEW_W = 1000;
const KIND_COLORS = {
  done: "#4b5563",
  "in flight": "#f59e0b",
  "exact hit": "#2563eb",
  "semantic hit": "#7c3aed",
  replayed: "#16a34a",
  error: "#dc2626",
};

function round(x) {
  return Math.round(x * 100) / 100;
}

function finite(values) {
  return (Array.isArray(values) ? values : []).filter((v) => typeof v === "number" && Number.isFinite(v));
}

/** A duration for an axis or a legend: "45 s", "3.5 min", "1.2 h". */
export function formatSpan(seconds) {
  if (seconds < 100) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 6000) return `${Math.round(seconds / 6) / 10} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}

/** Dollars as shown: four decimals under $1, else cents. */
export function formatMoney(usd) {
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** A chart block: a caption line (title left, legend right), the drawing, an optional time axis. */
function chartHtml(caption, legend, svg, axis) {
  const axisHtml = axis ? `<div class="axis"><span>${escapeHtml(axis[0])}</span><span>${escapeHtml(axis[1])}</span></div>` : "";
  return (
    `<div class="pllm-chart"><div class="caption"><b>${escapeHtml(caption)}</b><span class="legend">${legend}</span></div>` +
    `${svg}${axisHtml}</div>`
  );
}

function noteChart(caption, note) {
  return `<div class="pllm-chart"><div class="caption"><b>${escapeHtml(caption)}</b></div><div class="note">${escapeHtml(note)}</div></div>`;
}

/**
 * Step-line points of column `col` of `series` ([time, seconds, dollars] rows, oldest first) over a
 * `width` x `height` box: time runs from `t0` over `span` seconds, the value from 0 (bottom) to `max`.
 */
export function stepPoints(series, col, max, t0, span, width, height, end) {
  const x = (t) => round(((t - t0) / span) * width);
  const y = (v) => round(height - (max > 0 ? (v / max) * height : 0));
  const points = [];
  let last = series.length ? series[0][col] : 0; // the oldest point kept is where the line starts
  for (const row of series) {
    points.push(`${x(row[0])},${y(last)}`, `${x(row[0])},${y(row[col])}`);
    last = row[col];
  }
  points.push(`${x(Math.max(end, t0))},${y(last)}`);
  return points.join(" ");
}

/** Cumulative time and money saved over the session (each line scaled to its own maximum), up to the last save. */
export function savedChart(series) {
  const rows = (Array.isArray(series) ? series : []).filter((r) => Array.isArray(r) && r.length >= 3);
  const last = rows.length ? rows[rows.length - 1] : null;
  if (!last || (last[1] <= 0 && last[2] <= 0)) {
    return noteChart("saved so far", "nothing saved yet: memo hits and cache hits add up here");
  }
  const first = rows.findIndex((r) => r[1] > 0 || r[2] > 0);
  if (first === rows.length - 1) {
    const when = formatTime(last[0]);
    return noteChart("saved so far", `${formatSpan(last[1])} and ${formatMoney(last[2])}, all saved at ${when}`);
  }
  const t0 = rows[0][0];
  const end = last[0];
  const span = Math.max((end - t0) * 1.03, 1); // a little room after the last step, so it shows
  const h = 60;
  const line = (col, color, cls) =>
    `<polyline class="${cls}" fill="none" stroke="${color}" stroke-width="2" vector-effect="non-scaling-stroke" ` +
    `points="${stepPoints(rows, col, last[col], t0, span, VIEW_W, h - 4, end)}" transform="translate(0,2)"/>`;
  const svg =
    `<svg class="saved" height="${h}" viewBox="0 0 ${VIEW_W} ${h}" preserveAspectRatio="none" data-points="${rows.length}">` +
    `${line(1, "#16a34a", "time")}${line(2, "#2563eb", "money")}</svg>`;
  const legend =
    `<span style="color:#16a34a">&#9632; time ${escapeHtml(formatSpan(last[1]))}</span>` +
    `<span style="color:#2563eb">&#9632; money ${escapeHtml(formatMoney(last[2]))}</span>`;
  return chartHtml("saved so far", legend, svg, ["0 s", formatSpan(span)]);
}

/**
 * Lanes for calls ([start, end or null, kind]) so that calls running at once never share one: the first
 * lane free at each call's start (the number of lanes is then the most calls at once). `now` ends calls in flight.
 */
export function callLanes(calls, now) {
  const order = calls.map((c, i) => i).sort((a, b) => calls[a][0] - calls[b][0]);
  const ends = [];
  const lanes = new Array(calls.length).fill(0);
  for (const i of order) {
    const [start, end] = calls[i];
    let lane = ends.findIndex((e) => e <= start);
    if (lane < 0) lane = ends.push(0) - 1;
    ends[lane] = end ?? now;
    lanes[i] = lane;
  }
  return { lanes, count: ends.length };
}

const MAX_LANES = 16;

/** One bar per call from its start to its end (in flight: to now), calls at once in separate lanes. */
export function timelineChart(calls, now) {
  const list = (Array.isArray(calls) ? calls : []).filter((c) => Array.isArray(c) && typeof c[0] === "number");
  if (list.length === 0) return noteChart("calls over time", "no LLM call yet");
  const t0 = Math.min(...list.map((c) => c[0]));
  const t1 = Math.max(...list.map((c) => c[1] ?? Math.max(now || 0, c[0])));
  const span = Math.max(t1 - t0, 0.5);
  const { lanes, count } = callLanes(list, now);
  const shown = Math.min(count, MAX_LANES);
  const laneH = shown > 8 ? 5 : 9;
  const h = Math.max(24, shown * (laneH + 2) + 4);
  let bars = "";
  let slowest = 0;
  list.forEach((c, i) => {
    const end = c[1] ?? t1;
    slowest = Math.max(slowest, end - c[0]);
    const x = round(((c[0] - t0) / span) * VIEW_W);
    const w = round(Math.max(((end - c[0]) / span) * VIEW_W, 3));
    const y = 2 + (lanes[i] % MAX_LANES) * (laneH + 2);
    const color = KIND_COLORS[c[2]] || KIND_COLORS.done;
    bars +=
      `<rect class="call ${kindClass(c[2])}" x="${x}" y="${y}" width="${w}" height="${laneH}" fill="${color}">` +
      `<title>${escapeHtml(c[2])} ${escapeHtml(formatLatency(end - c[0]))}</title></rect>`;
  });
  const svg = `<svg class="timeline" height="${h}" viewBox="0 0 ${VIEW_W} ${h}" preserveAspectRatio="none" data-calls="${list.length}">${bars}</svg>`;
  const legend =
    `<span>${list.length} call${list.length === 1 ? "" : "s"}</span><span>at most ${count} at once</span>` +
    `<span>slowest ${escapeHtml(formatLatency(slowest))}</span>`;
  return chartHtml("calls over time", legend, svg, ["0 s", formatSpan(span)]);
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

/** Histogram of similarities (hits in violet, near-misses in grey) with the threshold as a red line. */
export function histogramSvg(hits, misses, threshold, width = VIEW_W, height = 60, lo = 0.5, hi = 1.0, bins = 25) {
  const hitCounts = histogramBins(hits, lo, hi, bins);
  const missCounts = histogramBins(misses, lo, hi, bins);
  const top = Math.max(1, ...hitCounts.map((c, i) => c + missCounts[i]));
  const barW = width / bins;
  const scale = (height - 4) / top;
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
    line = `<line class="threshold" x1="${tx}" x2="${tx}" y1="0" y2="${height}" stroke="#dc2626" stroke-width="2" vector-effect="non-scaling-stroke" stroke-dasharray="3,2"/>`;
  }
  return (
    `<svg class="similarity" height="${height}" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" data-hits="${finite(hits).length}">` +
    `${bars}${line}</svg>`
  );
}

/** The similarity chart: hits, near misses and the threshold, over similarities 0.5 to 1. */
export function similarityChart(hits, misses, threshold) {
  const n = finite(hits).length;
  const m = finite(misses).length;
  if (n + m === 0) return noteChart("similarity of semantic lookups", "no semantic lookup yet");
  const legend =
    `<span style="color:#7c3aed">&#9632; ${n} hit${n === 1 ? "" : "s"}</span>` +
    `<span style="color:#6b7280">&#9632; ${m} near miss${m === 1 ? "" : "es"}</span>` +
    (typeof threshold === "number" ? `<span style="color:#dc2626">| threshold ${threshold.toFixed(2)}</span>` : "");
  return chartHtml("similarity of semantic lookups", legend, histogramSvg(hits, misses, threshold), ["0.5", "1.0"]);
}

const BLOCK_STYLE = `
.pllm-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 6px; font-family: system-ui, sans-serif; }
.pllm-card { background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 6px; padding: 4px 8px; }
.pllm-card .v { font-size: 18px; font-weight: 600; color: #111827; }
.pllm-card .c { font-size: 11px; color: #6b7280; }
@container (max-width: 560px) {
  .pllm-cards { grid-template-columns: repeat(auto-fill, minmax(92px, 1fr)); gap: 4px; }
  .pllm-card { padding: 2px 6px; }
  .pllm-card .v { font-size: 14px; }
  .pllm-card .c { font-size: 10px; }
}
table.pllm-table { border-collapse: collapse; font: 12px system-ui, sans-serif; width: 100%; }
table.pllm-table th { background: #f3f4f6; text-align: left; padding: 3px 6px; }
table.pllm-table td { border-top: 1px solid #e5e7eb; padding: 2px 6px; }
table.pllm-table tr.clickable { cursor: pointer; }
table.pllm-table tr.clickable:hover td { background: #f3f4f6; }
table.pllm-table tr.selected td, table.pllm-table tr.selected:hover td { background: #e0e7ff; }
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

/**
 * A table of `rows` (arrays of cells) under `columns`, or the `empty` note when there are no rows.
 * `rowIds` (optional, one per row) makes a row clickable: it opens the detail of that feed row.
 */
export function tableHtml(columns, rows, empty = "nothing yet", rowIds = []) {
  if (!Array.isArray(rows) || rows.length === 0) {
    return `<div class="pllm-empty">${escapeHtml(empty)}</div>`;
  }
  const head = (columns || []).map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const tr = (i) => {
    const id = Array.isArray(rowIds) ? rowIds[i] : null;
    return id === null || id === undefined ? "<tr>" : `<tr class="clickable" data-row-id="${escapeHtml(id)}">`;
  };
  const body = rows
    .map((row, i) => `${tr(i)}${(row || []).map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("");
  return `<table class="pllm-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Preformatted text (an inspected cache entry), or nothing. */
export function textHtml(text) {
  return text ? `<pre class="pllm-entry">${escapeHtml(text)}</pre>` : "";
}

const LIVE_STYLE = `
.pllm-live { container-type: inline-size; }
.pllm-section { font: 600 13px system-ui, sans-serif; margin: 8px 0 4px; }
.pllm-section small { font-weight: 400; color: #6b7280; }
.pllm-title { font: 13px system-ui, sans-serif; margin: 0 0 6px; }
.pllm-title small { color: #555; }
.pllm-detail:empty { display: none; }
.pllm-detail { font: 12px/1.4 system-ui, sans-serif; border: 1px solid #c7d2fe; border-radius: 6px; background: #f8faff; padding: 6px 10px; margin: 6px 0; }
.pllm-detail .head { display: flex; justify-content: space-between; align-items: center; margin-bottom: 4px; }
.pllm-detail .close { cursor: pointer; border: none; background: none; font-size: 16px; color: #6b7280; }
.pllm-detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 1px 12px; margin: 0 0 4px; }
.pllm-detail dt { color: #6b7280; white-space: nowrap; }
.pllm-detail dd { margin: 0; overflow-wrap: anywhere; }
.pllm-detail .caption { font-weight: 600; margin-top: 6px; }
.pllm-detail pre { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 220px; overflow: auto; background: #fff; border: 1px solid #e5e7eb; margin: 2px 0; padding: 4px 6px; font-size: 11px; }
.pllm-detail .pending { color: #6b7280; font-style: italic; }
`;

/** The live part of the dashboard: headline cards, charts, the activity feed, a row's detail, the per-cell table. */
export function liveHtml(d) {
  const title = d.title
    ? `<div class="pllm-title"><b>pllm dashboard</b> <small>${escapeHtml(d.title)}</small></div>`
    : "";
  const charts = [savedChart(d.saved), timelineChart(d.timeline, d.now)];
  if (d.semantic) charts.push(similarityChart(d.similarities, d.miss_similarities, d.threshold));
  return (
    title +
    cardsHtml(d.headlines) +
    `<div class="pllm-charts">${charts.join("")}</div>` +
    '<div class="pllm-section">Activity <small>(click a row for its detail)</small></div>' +
    `<div class="pllm-feed">${feedHtml(d.feed, d.limit)}</div>` +
    '<div class="pllm-detail-slot"></div>' +
    '<div class="pllm-section">Memoized cells and blocks</div>' +
    `<div class="pllm-cells">${tableHtml(d.cell_columns, d.cells, "no memoized cell has run yet", d.cell_row_ids)}</div>`
  );
}

/** What a feed row itself tells, shown at once while the kernel reads the rest (prompt, answer, inputs). */
export function rowDetail(row) {
  if (!row) return { title: "", fields: [], sections: [] };
  const fields = typeof row.ts === "number" ? [["when", formatTime(row.ts)]] : [];
  if (row.cell || row.label) fields.push(["cell / block", row.cell || row.label]);
  if (row.agent) fields.push(["agent", row.agent]);
  if (row.reason) fields.push(["why it missed", row.reason]);
  if (row.model) fields.push(["model", row.model]);
  if (row.latency_s !== null && row.latency_s !== undefined) fields.push(["latency", formatLatency(row.latency_s)]);
  if (row.tokens !== null && row.tokens !== undefined) fields.push(["tokens", formatTokens(row.tokens)]);
  if (typeof row.cost_usd === "number") fields.push(["cost", `$${row.cost_usd.toFixed(6)}`]);
  return { title: kindLabel(row), fields, sections: row.text ? [["detail", row.text]] : [] };
}

/** A row's detail: its fields, a memo entry's inputs, a call's prompt and answer; every value escaped. */
export function detailHtml(detail, pending = false) {
  const d = detail || {};
  const pairs = (rows) =>
    (Array.isArray(rows) ? rows : []).map((r) => `<dt>${escapeHtml(r[0])}</dt><dd>${escapeHtml(r[1])}</dd>`).join("");
  const inputs = Array.isArray(d.inputs) && d.inputs.length
    ? `<div class="caption">inputs of the stored run</div><dl class="inputs">${pairs(d.inputs)}</dl>`
    : "";
  const sections = (Array.isArray(d.sections) ? d.sections : [])
    .map((s) => `<div class="caption">${escapeHtml(s[0])}</div><pre class="${escapeHtml(s[0])}">${escapeHtml(s[1])}</pre>`)
    .join("");
  const note = pending ? '<div class="pending">reading the rest from the kernel (it answers when idle)…</div>' : "";
  return (
    `<div class="head"><span class="kind ${kindClass(d.title)}">${escapeHtml(d.title)}</span>` +
    `<button class="close" title="close">&times;</button></div>` +
    `<dl class="fields">${pairs(d.fields)}</dl>${inputs}${sections}${note}`
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
 * A part's `kind`, `data`, change events and messages both ways, from a Panel JSComponent model
 * (attributes, `on("data")`, `send_msg`) or an anywidget model (`get("data")`, `on("change:data")`, `send`,
 * and `save_changes`, which Panel's lacks). Both hear the kernel's messages as `msg:custom`.
 */
export function partModel(model) {
  const widget = typeof model.save_changes === "function";
  return {
    widget,
    get kind() {
      return widget ? model.get("kind") : model.kind;
    },
    get data() {
      return widget ? model.get("data") : model.data;
    },
    on: (name, fn) => model.on(widget ? `change:${name}` : name, fn),
    send: (msg) => (widget ? model.send(msg) : model.send_msg(msg)),
    onMessage: (fn) => model.on("msg:custom", fn),
  };
}

/** Entry point for Panel's JSComponent and for anywidget: draw now and on every push of `data`. */
export function render({ model, el }) {
  const part = partModel(model);
  const style = document.createElement("style");
  style.textContent = FEED_STYLE + CHART_STYLE + BLOCK_STYLE + LIVE_STYLE;
  const root = document.createElement("div");
  root.className = `pllm-${part.kind}`;
  const detail = document.createElement("div"); // kept across redraws, moved into each new slot
  detail.className = "pllm-detail";
  let rows = new Map();
  let selected = null;
  const mark = () => {
    for (const tr of root.querySelectorAll("tr.selected")) tr.classList.remove("selected");
    if (selected === null) return;
    for (const tr of root.querySelectorAll(`tr[data-row-id="${selected}"]`)) tr.classList.add("selected");
  };
  const close = () => {
    selected = null;
    detail.innerHTML = "";
    mark();
  };
  const draw = () => {
    const data = parseData(part.data);
    root.innerHTML = componentHtml(part.kind, data);
    if (part.kind !== "live") return;
    rows = new Map((Array.isArray(data.feed) ? data.feed : []).map((r) => [String(r.row_id), r]));
    root.querySelector(".pllm-detail-slot")?.append(detail);
    mark();
  };
  root.addEventListener("click", (event) => {
    if (event.target.closest(".pllm-detail .close")) return close();
    const tr = event.target.closest(".pllm-feed tr[data-row-id], .pllm-cells tr[data-row-id]");
    if (!tr) return;
    const id = tr.dataset.rowId;
    if (id === selected) return close();
    selected = id;
    detail.innerHTML = detailHtml(rowDetail(rows.get(id) || { kind: "memo", cell: tr.cells[0]?.textContent }), true);
    mark();
    part.send({ event: "detail", row: Number(id) });
  });
  part.onMessage((msg) => {
    if (msg && msg.event === "detail" && msg.detail && String(msg.detail.row_id) === selected) {
      detail.innerHTML = detailHtml(msg.detail);
    }
  });
  draw();
  part.on("data", draw);
  el.append(style, root);
  if (part.widget) model.send({ event: "rendered" }); // a notebook front end shows widgets: see attach.py
}

export default { render };
