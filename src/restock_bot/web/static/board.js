/* The public board, live: every few seconds it reads the JSON feed and redraws the counts, the numbers,
   the three columns and the charts. Text goes in with textContent only: nothing from the feed is ever
   read as HTML. Without JavaScript the page refreshes itself (a <noscript> meta refresh). */
"use strict";

(function () {
  const board = document.getElementById("board");
  if (!board) return;
  const feed = board.dataset.feed || "/board.json";
  const seconds = Math.max(2, parseInt(board.dataset.refresh || "30", 10));
  const palette = ["#c2410c", "#1d4ed8", "#15803d", "#7c3aed", "#b45309", "#0e7490", "#6b7280"];
  const charts = {};
  let metric = "opened";
  let latest = null;

  function duration(hours) {
    if (hours === null || hours === undefined) return "–";
    const minutes = Math.round(Math.abs(hours) * 60);
    if (minutes < 60) return minutes + " min";
    if (minutes < 48 * 60) return Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0") + " min";
    return Math.floor(minutes / 1440) + " d " + Math.floor((minutes % 1440) / 60) + " h";
  }

  function when(iso) {
    return iso ? iso.slice(0, 16).replace("T", " ") + " UTC" : "";
  }

  function setText(selector, text) {
    const found = document.querySelector(selector);
    if (found) found.textContent = text;
  }

  function column(id, entries) {
    const list = document.getElementById(id);
    if (!list) return;
    const items = entries.map(function (e) {
      const li = document.createElement("li");
      for (const [cls, text] of [
        ["product", e.product],
        ["where", e.store],
        ["when", e.hours_to_restock !== null ? "restocked in " + duration(e.hours_to_restock) : "reported " + when(e.opened_at)],
      ]) {
        const span = document.createElement("span");
        span.className = cls;
        span.textContent = text;
        li.appendChild(span);
      }
      return li;
    });
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = list.dataset.empty || "";
      items.push(li);
    }
    list.replaceChildren(...items);
  }

  function draw(canvasId, series) {
    const canvas = document.getElementById(canvasId);
    if (!canvas || typeof window.Chart === "undefined") return;
    const datasets = Object.entries(series.counts).map(function ([name, counts], i) {
      return { label: name, data: counts, backgroundColor: palette[i % palette.length], borderWidth: 0 };
    });
    if (charts[canvasId]) {
      charts[canvasId].data.labels = series.days;
      charts[canvasId].data.datasets = datasets;
      charts[canvasId].update();
      return;
    }
    charts[canvasId] = new window.Chart(canvas, {
      type: "bar",
      data: { labels: series.days, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" } },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  function show(doc) {
    latest = doc;
    setText("#count-open .number", String(doc.counts.open));
    setText("#count-acknowledged .number", String(doc.counts.acknowledged));
    setText("#count-restocked .number", String(doc.counts.restocked));
    setText("#count-escalated", doc.counts.escalated ? doc.counts.escalated + " past the deadline" : "");
    setText("#median .value", duration(doc.median_hours_to_restock));
    setText("#p90 .value", duration(doc.p90_hours_to_restock));
    setText("#within-48h .value", doc.restocked_within_48h === null ? "–" : Math.round(doc.restocked_within_48h * 100) + " %");
    setText("#towns-covered .value", String(doc.towns_covered));
    column("list-lets-do-it", doc.columns.lets_do_it);
    column("list-on-it", doc.columns.on_it);
    column("list-done", doc.columns.done);
    draw("chart-town", doc.series.by_town[metric]);
    draw("chart-product", doc.series.by_product[metric]);
    board.dataset.updated = new Date().toISOString();
  }

  async function refresh() {
    try {
      const response = await fetch(feed, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.ok) show(await response.json());
    } catch (err) {
      /* offline for a moment: the next round tries again */
    }
    window.setTimeout(refresh, seconds * 1000);
  }

  for (const button of document.querySelectorAll(".toggle [data-metric]")) {
    button.addEventListener("click", function () {
      metric = button.dataset.metric;
      for (const other of document.querySelectorAll(".toggle [data-metric]")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      if (latest) show(latest);
    });
  }
  refresh();
})();
