/// The console's own files, served from `/assets/`: its style sheet and its one script (live updates,
/// the chart, confirmations). No other script runs on its pages.
enum ConsoleAsset: String, Hashable, Sendable, CaseIterable {
    case stylesheet = "console.css"
    case script = "console.js"

    init?(name: String) {
        self.init(rawValue: name)
    }

    var contentType: String {
        switch self {
        case .stylesheet: "text/css; charset=utf-8"
        case .script: "text/javascript; charset=utf-8"
        }
    }

    var text: String {
        switch self {
        case .stylesheet: Self.css
        case .script: Self.javaScript
        }
    }

    private static let css = """
        :root { --ink: #1d2330; --muted: #5d6577; --line: #d8dce4; --accent: #2457c5; --bad: #b42318; --good: #137333; --warn: #a15c00; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--ink); background: #f6f7f9; }
        header { background: var(--ink); color: #fff; }
        nav { display: flex; gap: 1.2em; align-items: center; padding: 0.6em 1.5em; }
        nav a { color: #fff; text-decoration: none; }
        nav a:hover { text-decoration: underline; }
        .brand { font-weight: 700; margin-right: 1em; }
        .role { margin-left: auto; color: #c9cfdb; }
        main { padding: 1em 1.5em 3em; max-width: 80em; }
        h1 { font-size: 1.4em; }
        h2 { font-size: 1.1em; margin-top: 1.6em; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: 0.35em 0.6em; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; }
        .counts { display: flex; flex-wrap: wrap; gap: 0.8em; }
        .count { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 0.6em 1em; min-width: 8em; }
        .count .value { font-size: 1.6em; font-weight: 700; display: block; }
        .count a { color: inherit; text-decoration: none; }
        .up { color: var(--good); font-weight: 600; }
        .down { color: var(--bad); font-weight: 600; }
        .paused { color: var(--warn); font-weight: 600; }
        .notice { background: #e8f0fe; border: 1px solid #b5c8f5; padding: 0.5em 1em; border-radius: 4px; }
        .error { background: #fdecea; border: 1px solid #f5b5ae; padding: 0.5em 1em; border-radius: 4px; }
        form.inline { display: inline; }
        button { font: inherit; padding: 0.3em 0.9em; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; }
        button.secondary { background: #fff; color: var(--accent); }
        nav button { background: transparent; border-color: #c9cfdb; }
        pre { background: #fff; border: 1px solid var(--line); padding: 0.8em; overflow: auto; white-space: pre-wrap; word-break: break-word; max-height: 30em; }
        iframe.preview { width: 100%; height: 30em; border: 1px solid var(--line); background: #fff; }
        canvas.chart { width: 100%; height: 220px; background: #fff; border: 1px solid var(--line); }
        .legend span { margin-right: 1.2em; }
        .legend .sent { color: var(--good); }
        .legend .deferred { color: var(--warn); }
        .legend .failed { color: var(--bad); }
        dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; background: #fff; padding: 0.8em; border: 1px solid var(--line); }
        dl.fields dt { color: var(--muted); }
        dl.fields dd { margin: 0; word-break: break-word; }
        .login { max-width: 26em; margin: 4em auto; background: #fff; padding: 1.5em 2em; border: 1px solid var(--line); border-radius: 6px; }
        .login input[type=password] { width: 100%; padding: 0.4em; font: inherit; margin: 0.4em 0 1em; }
        .muted { color: var(--muted); }
        ul.events { list-style: none; padding: 0; margin: 0; max-height: 16em; overflow: auto; background: #fff; border: 1px solid var(--line); }
        ul.events li { padding: 0.2em 0.6em; border-bottom: 1px solid var(--line); font-family: ui-monospace, monospace; font-size: 0.9em; }
        form.filters { display: flex; flex-wrap: wrap; gap: 0.5em 1em; align-items: end; background: #fff; padding: 0.8em; border: 1px solid var(--line); }
        form.filters label { display: flex; flex-direction: column; font-size: 0.9em; color: var(--muted); }
        form.filters input, form.filters select { font: inherit; padding: 0.2em 0.4em; min-width: 9em; }
        ol.attempts { background: #fff; border: 1px solid var(--line); padding: 0.6em 0.6em 0.6em 2.6em; }
        ol.attempts li { padding: 0.3em 0; border-bottom: 1px solid var(--line); }
        .attempt-outcome.sent { color: var(--good); font-weight: 600; }
        .attempt-outcome.deferred, .attempt-outcome.expired { color: var(--warn); font-weight: 600; }
        .attempt-outcome.failed, .attempt-outcome.cancelled { color: var(--bad); font-weight: 600; }
        section.provider { margin-bottom: 1.5em; }
        """

    private static let javaScript = """
        "use strict";
        // MailTime console: live counts over Server-Sent Events, the per-minute chart, confirmations.
        (function () {
          var colours = { sent: "#137333", deferred: "#a15c00", failed: "#b42318" };

          function drawChart(canvas, series) {
            var ratio = window.devicePixelRatio || 1;
            var width = canvas.clientWidth, height = canvas.clientHeight;
            canvas.width = width * ratio;
            canvas.height = height * ratio;
            var g = canvas.getContext("2d");
            g.scale(ratio, ratio);
            g.clearRect(0, 0, width, height);
            var top = 10, bottom = 20, left = 36, right = 8;
            var max = 1;
            series.forEach(function (m) { max = Math.max(max, m.sent, m.deferred, m.failed); });
            g.strokeStyle = "#d8dce4";
            g.fillStyle = "#5d6577";
            g.font = "11px system-ui, sans-serif";
            g.beginPath();
            g.moveTo(left, top);
            g.lineTo(left, height - bottom);
            g.lineTo(width - right, height - bottom);
            g.stroke();
            g.fillText(String(max), 4, top + 8);
            g.fillText("0", 4, height - bottom);
            g.fillText("-60 min", left, height - 4);
            g.fillText("now", width - right - 22, height - 4);
            var step = (width - left - right) / Math.max(1, series.length - 1);
            ["sent", "deferred", "failed"].forEach(function (kind) {
              g.strokeStyle = colours[kind];
              g.lineWidth = 2;
              g.beginPath();
              series.forEach(function (m, i) {
                var x = left + i * step;
                var y = height - bottom - (m[kind] / max) * (height - top - bottom);
                if (i === 0) { g.moveTo(x, y); } else { g.lineTo(x, y); }
              });
              g.stroke();
            });
          }

          function setText(id, text) {
            var element = document.getElementById(id);
            if (element) { element.textContent = text; }
          }

          function age(milliseconds) {
            var seconds = Math.floor(milliseconds / 1000);
            if (seconds < 60) { return seconds + " s"; }
            if (seconds < 3600) { return Math.floor(seconds / 60) + " min " + (seconds % 60) + " s"; }
            return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
          }

          function applyStats(stats) {
            Object.keys(stats.counts).forEach(function (state) { setText("count-" + state, String(stats.counts[state])); });
            setText("oldest-ready-age", age(stats.oldest_ready_age_ms));
            setText("delivery-state", stats.paused ? "paused" : "running");
            stats.providers.forEach(function (provider) {
              var row = document.querySelector("tr[data-provider='" + CSS.escape(provider.name) + "']");
              if (!row) { return; }
              var state = row.querySelector(".provider-state");
              var name = provider.paused ? "paused" : (provider.up ? "up" : "down");
              state.textContent = name;
              state.className = "provider-state " + name;
              row.querySelector(".provider-sent").textContent = String(provider.sent);
              row.querySelector(".provider-failures").textContent = String(provider.failures);
              row.querySelector(".provider-error").textContent = provider.last_error || "";
            });
            var chart = document.getElementById("throughput-chart");
            if (chart) { drawChart(chart, stats.series); }
          }

          function addEvent(event) {
            var list = document.getElementById("recent-events");
            if (!list) { return; }
            var item = document.createElement("li");
            item.setAttribute("data-email-id", event.id || "");
            item.className = "event-" + event.event;
            item.textContent = new Date(event.at || Date.now()).toISOString().slice(11, 19) + "  " + event.event + "  " + (event.id || "") +
              (event.error ? "  " + event.error.code + ": " + event.error.text : "");
            list.insertBefore(item, list.firstChild);
            while (list.children.length > 50) { list.removeChild(list.lastChild); }
          }

          document.addEventListener("DOMContentLoaded", function () {
            var chart = document.getElementById("throughput-chart");
            if (chart) { drawChart(chart, JSON.parse(chart.getAttribute("data-series"))); }
            var live = document.body.getAttribute("data-live");
            if (live && window.EventSource) {
              var source = new EventSource(live);
              source.addEventListener("stats", function (message) { applyStats(JSON.parse(message.data)); });
              source.addEventListener("email", function (message) { addEvent(JSON.parse(message.data)); });
              source.addEventListener("open", function () { setText("live-state", "live"); });
              source.addEventListener("error", function () { setText("live-state", "reconnecting"); });
            }
            document.querySelectorAll("form[data-confirm]").forEach(function (form) {
              form.addEventListener("submit", function (event) {
                if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
              });
            });
          });
        })();
        """
}
