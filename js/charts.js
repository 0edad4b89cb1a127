// Small SVG charts for the dashboard: the hit-rate sparkline and the histogram of semantic-hit similarity
// against the cache threshold. Rendered by the Panel JSComponent `Chart` (pllm_notebook/dashboard/components.py),
// redrawn whenever Python pushes new values. Everything except `render` is pure and tested by `node --test js/`.

const STYLE = `
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

/** The chart `model.kind` names, as an SVG string. */
export function chartSvg(model) {
  if (model.kind === "histogram") {
    return histogramSvg(model.values, model.other_values, model.threshold, model.width || 240);
  }
  return sparklineSvg(model.values, model.width || 240);
}

/** Panel JSComponent entry point: draw now and whenever the values or threshold change. */
export function render({ model, el }) {
  const style = document.createElement("style");
  style.textContent = STYLE;
  const root = document.createElement("div");
  root.className = "pllm-chart";
  const caption = document.createElement("div");
  caption.className = "caption";
  const plot = document.createElement("div");
  root.append(caption, plot);
  const draw = () => {
    caption.textContent = model.caption || "";
    plot.innerHTML = chartSvg(model);
  };
  draw();
  for (const name of ["values", "other_values", "threshold", "caption"]) model.on(name, draw);
  el.append(style, root);
}
