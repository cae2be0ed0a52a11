() => {
  // Every Plotly chart in words, for whoever cannot see it: its name and description (the figure's layout.meta,
  // written by explorer.render.plotly.common.styled from the chart's numbers) as the chart's accessible name and
  // description, and a "Table" button under it that shows its numbers as a real <table> with headers, the
  // convention of accessible chart libraries. Made again whenever the server sends the chart anew.
  const word = wordsOf(@@WORDS|chart.@@);  // the chart.* keys of every catalogue, in the page's language
  const MAX_ROWS = 60, MAX_COLUMNS = 40;  // a 14×14 map whole; a 768-channel chart cut, saying so
  const plain = (text) => String(text ?? "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
  const number = (value) => (typeof value === "number" ? (Number.isInteger(value) ? String(value)
    : Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(3) : value.toPrecision(4)) : plain(value));
  const list = (values) => (values == null ? [] : Array.from(values));
  const axisTitle = (layout, trace, axis) => {
    const name = (trace[`${axis}axis`] || axis).replace(/^([xy])(\d*)$/, (m, a, n) => `${a}axis${n}`);
    return plain(layout[name]?.title?.text) || axis;
  };

  // One table per trace: a heatmap as its grid (rows y, columns x), anything else as x against y (and z, text).
  const tableOf = (trace, layout) => {
    const name = plain(trace.name);
    if (trace.type === "image") return "";
    let head = [], rows = [], cut = false;
    const grid = trace.z?.length > 0 && trace.z[0] != null && typeof trace.z[0] !== "number";
    if (grid) {
      const z = list(trace.z).map(list), xs = list(trace.x), ys = list(trace.y);
      const columns = Math.min(z[0]?.length || 0, MAX_COLUMNS);
      cut = z.length > MAX_ROWS || (z[0]?.length || 0) > MAX_COLUMNS;
      head = [`${axisTitle(layout, trace, "y")} \\ ${axisTitle(layout, trace, "x")}`,
        ...Array.from({length: columns}, (_, j) => number(xs[j] ?? j))];
      rows = z.slice(0, MAX_ROWS).map((row, i) => [number(ys[i] ?? i), ...row.slice(0, columns).map(number)]);
    } else {
      const xs = list(trace.x), ys = list(trace.y), texts = list(trace.text);
      const length = Math.max(xs.length, ys.length);
      if (!length) return "";
      cut = length > MAX_ROWS;
      head = [axisTitle(layout, trace, "x"), axisTitle(layout, trace, "y")];
      const withText = texts.length === length && texts.some((t) => plain(t) && plain(t) !== number(t));
      if (withText) head.push(word("chart.label"));
      rows = Array.from({length: Math.min(length, MAX_ROWS)}, (_, i) =>
        [number(xs[i] ?? i), number(ys[i]), ...(withText ? [plain(texts[i])] : [])]);
    }
    if (!rows.length) return "";
    const caption = escaped(name || plain(layout.meta?.name)) + (cut ? ` <small>(${escaped(word("chart.cut"))})</small>` : "");
    return `<table class="chart-table"><caption>${caption}</caption><thead><tr>`
      + head.map((h) => `<th scope="col">${escaped(h)}</th>`).join("") + `</tr></thead><tbody>`
      + rows.map((row) => `<tr><th scope="row">${escaped(row[0])}</th>`
        + row.slice(1).map((cell) => `<td>${escaped(cell)}</td>`).join("") + "</tr>").join("")
      + "</tbody></table>";
  };

  const describe = (plot) => {  // plot: Plotly's graph div (.js-plotly-plot), holding .data and .layout
    const layout = plot.layout || {}, meta = layout.meta || {};
    const data = plot._fullData?.length ? plot._fullData : plot.data || [];
    const key = JSON.stringify([meta, document.documentElement.lang, data.length, data.map((t) => list(t.y ?? t.z).length)]);
    if (plot.dataset.described === key) return;
    plot.dataset.described = key;
    // one set of words per chart component (its elem_id), whichever graph div Plotly draws in it now
    const box = plot.closest("[data-testid=plotly]") || plot, id = `${plot.closest(".block[id]")?.id || "chart"}-words`;
    const name = plain(meta.name) || plain(layout.title?.text) || word("chart.unnamed");
    plot.setAttribute("role", "figure");
    plot.setAttribute("aria-label", name);
    let about = document.getElementById(`${id}-about`);
    if (!about) {
      about = document.createElement("div");
      about.id = `${id}-about`;
      about.className = "chart-words";
      about.innerHTML = `<p class="chart-description"></p><button type="button" class="chart-table-toggle" aria-expanded="false"
        aria-controls="${id}-table"></button><div class="chart-tables" id="${id}-table" hidden></div>`;
      about.querySelector("button").addEventListener("click", (event) => {
        const open = event.currentTarget.getAttribute("aria-expanded") !== "true";
        event.currentTarget.setAttribute("aria-expanded", String(open));
        about.querySelector(".chart-tables").hidden = !open;
        event.currentTarget.textContent = word(open ? "chart.hide_table" : "chart.table");
      });
      box.after(about);
    }
    plot.setAttribute("aria-describedby", `${id}-about`);
    about.querySelector(".chart-description").textContent = plain(meta.description);
    const button = about.querySelector("button");
    button.textContent = word(button.getAttribute("aria-expanded") === "true" ? "chart.hide_table" : "chart.table");
    button.setAttribute("aria-label", `${word("chart.table")}: ${name}`);
    const tables = data.map((trace) => tableOf(trace, layout)).join("");
    about.querySelector(".chart-tables").innerHTML = tables || `<p>${escaped(word("chart.no_numbers"))}</p>`;
    button.hidden = !tables;
  };
  let pending = false;
  const sweep = () => {
    pending = false;
    for (const plot of document.querySelectorAll(".js-plotly-plot")) if (plot.layout) describe(plot);
  };
  new MutationObserver(() => {
    if (!pending) { pending = true; requestAnimationFrame(sweep); }
  }).observe(document.body, {childList: true, subtree: true});
  sweep();
}
