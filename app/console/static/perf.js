// The perf page: keeps the selection in the URL and draws perf.json with uPlot.
//
// perf.json gives each series as columns (time, version, hash, report, value, lower, upper,
// alert). uPlot draws series that share one x array, so the series are joined on x
// (uPlot.join); rowAt[s][i] maps a joined index back to series s's own row.
"use strict";

(function () {
  const COLORS = ["#2f6fde", "#e8590c", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#5f3dc4",
    "#a61e4d", "#364fc7", "#087f5b"];
  const DIMENSIONS = ["branches", "testbeds", "benchmarks", "measures"];
  const SEARCH_DELAY_MS = 150; // one request when typing stops, not one per key

  const form = document.getElementById("perf-form");
  const plotEl = document.getElementById("plot");
  const tooltip = document.getElementById("plot-tooltip");
  const message = document.getElementById("plot-message");

  // The form becomes the perf API's query: comma-separated lists, epoch-millisecond dates.
  function selectionQuery() {
    const params = new URLSearchParams();
    for (const name of DIMENSIONS) {
      const refs = [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
      if (refs.length) params.set(name, refs.join(","));
    }
    const heads = linkedHeads();
    if (heads) params.set("heads", heads);
    const start = form.elements.start_date.value;
    const end = form.elements.end_date.value;
    if (start) params.set("start_time", String(Date.parse(start + "T00:00:00Z")));
    if (end) params.set("end_time", String(Date.parse(end + "T23:59:59.999Z")));
    params.set("x", form.elements.x.value);
    params.set("y", form.elements.y.value);
    return params;
  }

  // `heads` (from a report's link) is positional with `branches`: each branch still chosen
  // keeps the head the link named for it; the others show their current head.
  function linkedHeads() {
    const current = new URLSearchParams(window.location.search);
    const heads = (current.get("heads") || "").split(",");
    const linked = (current.get("branches") || "").split(",");
    const chosen = [...form.querySelectorAll('input[name="branches"]:checked')];
    const kept = chosen.map((input) => {
      const at = linked.findIndex((ref) => ref && [input.dataset.uuid, input.dataset.slug].includes(ref));
      return at >= 0 ? heads[at] || "" : "";
    });
    return kept.some(Boolean) ? kept.join(",") : "";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.location.assign(form.action + "?" + selectionQuery().toString());
  });
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => form.requestSubmit());
  }
  for (const fieldset of form.querySelectorAll("fieldset[data-dimension]")) searchable(fieldset);

  // A picker asks the server for the choices matching what is typed (a project may have
  // thousands of benchmarks; the page holds only a first page). The checked choices stay on
  // top whatever the search, so the selection is always in view and in the form.
  // data-searched names the search shown, for the tests to wait on.
  function searchable(fieldset) {
    const input = fieldset.querySelector("input[type=search]");
    const list = fieldset.querySelector(".choices");
    const more = fieldset.querySelector(".more");
    let timer = null;
    let pending = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, SEARCH_DELAY_MS);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault(); // searching, not showing the plot
    });

    function search() {
      if (pending) pending.abort();
      pending = new AbortController();
      const needle = input.value.trim();
      fetch(fieldset.dataset.url + "?" + new URLSearchParams({ search: needle }),
        { credentials: "same-origin", signal: pending.signal })
        .then((response) =>
          response.json().then((body) => {
            if (!response.ok) throw new Error(body.message || response.statusText);
            return body;
          }))
        .then((body) => show(needle, body))
        .catch((error) => {
          if (error.name !== "AbortError") more.textContent = "Search failed: " + error.message;
        });
    }

    function show(needle, body) {
      const checked = [...list.querySelectorAll("input:checked")];
      const kept = new Set(checked.map((box) => box.dataset.uuid));
      const found = body.items.filter((item) => !kept.has(item.uuid)).map(choice);
      const labels = [...checked.map((box) => box.closest("label")), ...found];
      if (!labels.length) {
        const none = document.createElement("p");
        none.textContent = "no match";
        labels.push(none);
      }
      list.replaceChildren(...labels);
      more.textContent = body.more > 0 ? `${body.more} more, refine the search` : "";
      fieldset.dataset.searched = needle;
    }

    function choice(item) {
      const label = document.createElement("label");
      label.title = item.name;
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = fieldset.dataset.dimension;
      box.value = item.ref;
      box.dataset.uuid = item.uuid;
      box.dataset.slug = item.slug;
      label.append(box, " " + item.name);
      return label;
    }
  }

  function finish(text, state) {
    message.textContent = text;
    plotEl.dataset.state = state;
  }

  const query = new URLSearchParams(window.location.search);
  if (!DIMENSIONS.every((name) => query.get(name))) {
    finish("Pick at least one branch, testbed, benchmark and measure, then Show.", "empty");
    return;
  }
  fetch(plotEl.dataset.url + window.location.search, { credentials: "same-origin" })
    .then((response) =>
      response.json().then((body) => {
        if (!response.ok) throw new Error(body.message || response.statusText);
        return body;
      }))
    .then(draw)
    .catch((error) => finish("Could not load the results: " + error.message, "error"));

  // Each series' x: epoch seconds, or its version number; repeated versions (iterations,
  // re-runs of one commit) are spread a little so that every point keeps its own x.
  function xValues(one, byVersion) {
    if (!byVersion) return one.time;
    const seen = new Map();
    return one.version.map((number) => {
      const count = seen.get(number) || 0;
      seen.set(number, count + 1);
      return number + count * 0.01;
    });
  }

  // The whole data range gets a margin; a zoomed range is kept as chosen.
  let dataRange = [NaN, NaN];
  function padded(u, min, max) {
    if (min !== dataRange[0] || max !== dataRange[1]) return [min, max];
    const pad = max > min ? (max - min) * 0.03 : 1;
    return [min - pad, max + pad];
  }

  function sortedTable(xs, columns) {
    const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
    return { order, table: [order.map((i) => xs[i]), ...columns.map((c) => order.map((i) => c[i]))] };
  }

  function draw(body) {
    const series = body.series;
    const byVersion = plotEl.dataset.x === "version";
    if (!series.length) {
      finish("No results for this selection.", "empty");
      return;
    }
    const tables = [];
    const orders = [];
    for (const one of series) {
      const alerts = one.alert.map((status, i) => (status ? one.value[i] : null));
      const { order, table } = sortedTable(xValues(one, byVersion),
        [one.value, one.lower, one.upper, alerts]);
      tables.push(table);
      orders.push(order);
    }
    const data = uPlot.join(tables);
    const xs = data[0];
    dataRange = [xs[0], xs[xs.length - 1]];
    const rowAt = series.map((_, s) => {
      const map = new Int32Array(xs.length).fill(-1);
      const own = tables[s][0];
      let j = 0;
      for (let i = 0; i < xs.length && j < own.length; i++) {
        if (xs[i] === own[j]) map[i] = orders[s][j++];
      }
      return map;
    });

    const plotSeries = [{ label: byVersion ? "version" : "date" }];
    const kept = [data[0]];
    const valueIndex = []; // plot series index of each perf series' values
    let points = 0;
    let boundaryPoints = 0;
    let alertPoints = 0;
    series.forEach((one, s) => {
      const color = COLORS[s % COLORS.length];
      const label = `${one.benchmark} · ${one.measure} · ${one.branch} · ${one.testbed}`;
      const [value, lower, upper, alerts] = data.slice(1 + s * 4, 5 + s * 4);
      valueIndex.push(plotSeries.length);
      plotSeries.push({ label, stroke: color, width: 1.5, spanGaps: true, points: { size: 5 } });
      kept.push(value);
      points += one.value.length;
      for (const [limit, name] of [[lower, "lower limit"], [upper, "upper limit"]]) {
        const count = limit.filter((v) => v !== null && v !== undefined).length;
        if (!count) continue;
        boundaryPoints += count;
        plotSeries.push({ label: `${name} · ${one.benchmark}`, stroke: color, width: 1,
          dash: [6, 4], spanGaps: true, points: { show: false }, class: "boundary" });
        kept.push(limit);
      }
      const alerted = alerts.filter((v) => v !== null && v !== undefined).length;
      if (alerted) {
        alertPoints += alerted;
        plotSeries.push({ label: `alerts · ${one.benchmark}`, stroke: "#c0262d", width: 0,
          paths: () => null, points: { show: true, size: 11, width: 2, fill: "rgba(192,38,45,.25)" } });
        kept.push(alerts);
      }
    });

    let min = Infinity;
    let max = -Infinity;
    for (const one of series) {
      for (const v of one.value) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    const mode = plotEl.dataset.y;
    const log = mode === "log" || (mode === "auto" && min > 0 && max / min >= 10);
    const units = [...new Set(series.map((one) => one.units))].join(", ");

    const options = {
      width: Math.max(plotEl.clientWidth, 400),
      height: 440,
      series: plotSeries,
      // A margin on x keeps the first and last points inside the plot, where they can be
      // hovered and clicked.
      scales: { x: { time: !byVersion, range: padded }, y: { distr: log ? 3 : 1 } },
      axes: [{}, { label: units, size: 70 }],
      cursor: { drag: { x: true, y: false }, focus: { prox: 30 } },
      hooks: { setCursor: [showTooltip], setScale: [rememberZoom] },
    };
    let ready = false;
    const plot = new uPlot(options, kept, plotEl);
    const zoom = (query.get("zoom") || "").split(",").map(Number);
    if (zoom.length === 2 && zoom.every(Number.isFinite) && zoom[0] < zoom[1]) {
      plot.setScale("x", { min: zoom[0], max: zoom[1] });
    }
    ready = true;

    // The zoomed x range joins the selection in the URL (`zoom=min,max`); zooming out drops it.
    function rememberZoom(u, key) {
      if (!ready || key !== "x") return;
      const params = new URLSearchParams(window.location.search);
      const [min, max] = padded(u, ...dataRange);
      const { min: shownMin, max: shownMax } = u.scales.x;
      if (shownMin <= min && shownMax >= max) params.delete("zoom");
      else params.set("zoom", `${shownMin},${shownMax}`);
      window.history.replaceState(null, "", "?" + params.toString());
    }

    // The nearest drawn point of any series under the cursor: [perf series, its row].
    function nearest(u) {
      const left = u.cursor.left;
      const top = u.cursor.top;
      if (left == null || left < 0) return null;
      let best = null;
      valueIndex.forEach((k, s) => {
        const idx = u.cursor.idxs ? u.cursor.idxs[k] : u.cursor.idx;
        if (idx == null || u.data[k][idx] == null) return;
        const dx = u.valToPos(u.data[0][idx], "x") - left;
        const dy = u.valToPos(u.data[k][idx], "y") - top;
        const distance = Math.hypot(dx, dy);
        if (!best || distance < best.distance) best = { s, row: rowAt[s][idx], distance };
      });
      return best && best.row >= 0 && best.distance <= 40 ? best : null;
    }

    function showTooltip(u) {
      const hit = nearest(u);
      if (!hit) {
        tooltip.style.display = "none";
        return;
      }
      const one = series[hit.s];
      const i = hit.row;
      const when = new Date(one.time[i] * 1000).toISOString().replace("T", " ").slice(0, 19);
      const rows = [
        `${one.benchmark} · ${one.measure}`,
        `value ${one.value[i]} ${one.units}`,
        `version ${one.version[i]}${one.hash[i] ? " " + one.hash[i].slice(0, 10) : ""}`,
        `${when} UTC`,
      ];
      if (one.alert[i]) rows.push(`alert (${one.alert[i]})`);
      tooltip.replaceChildren(...rows.map((text) => {
        const line = document.createElement("div");
        line.textContent = text;
        return line;
      }));
      tooltip.style.display = "block";
      tooltip.style.left = `${u.over.offsetLeft + u.cursor.left + 12}px`;
      tooltip.style.top = `${u.over.offsetTop + u.cursor.top + 12}px`;
      tooltip.dataset.report = one.report[i];
    }

    // A click (not the end of a drag-to-zoom) on a point opens its report.
    let downAt = null;
    plot.over.addEventListener("mousedown", (event) => { downAt = [event.clientX, event.clientY]; });
    plot.over.addEventListener("click", (event) => {
      const moved = downAt && Math.hypot(event.clientX - downAt[0], event.clientY - downAt[1]) > 3;
      const hit = moved ? null : nearest(plot);
      if (!hit) return;
      const report = series[hit.s].report[hit.row];
      window.location.assign(plotEl.dataset.reportUrl.replace("REPORT", report));
    });

    window.perfPlot = { plot, series, valueIndex, rowAt };
    plotEl.dataset.points = String(points);
    plotEl.dataset.boundaryPoints = String(boundaryPoints);
    plotEl.dataset.alertPoints = String(alertPoints);
    plotEl.dataset.scale = log ? "log" : "linear";
    // Milliseconds from the start of navigation to the drawn plot (benchmarks/bench_console.py).
    plotEl.dataset.drawnMs = String(Math.round(performance.now()));
    finish(`${series.length} series, ${points} results.`, "drawn");
  }
})();
