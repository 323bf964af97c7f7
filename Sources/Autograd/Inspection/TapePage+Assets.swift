// The page's style sheet and script, written here and inlined into every page (no network, no
// library). Neither may contain "]]>" (they sit in CDATA sections) nor "</" (they sit in HTML's
// raw-text elements); a test checks both.

extension TapePage {
    static let css = """
    :root { --fg: #1d2330; --muted: #687080; --line: #d8dce2; --accent: #e8590c; --grad: #b42318;
            --leaf: #e7f0fd; --leaf-edge: #3a6db3; --op: #eef0f3; }
    * { box-sizing: border-box; }
    /* The page fills the window: the header (scrolling on its own when a report makes it long), the
       controls, then the graph beside the side panel in the rest of the height. Nothing overlaps. */
    html, body { height: 100%; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
           background: #f6f7f9; display: flex; flex-direction: column; overflow: hidden; }
    header { flex: 0 1 auto; max-height: 34vh; overflow: auto; padding: 12px 20px 6px; background: #fff;
             border-bottom: 1px solid var(--line); }
    h1 { font-size: 19px; margin: 0 0 4px; }
    h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 10px 0 6px; }
    h3 { font-size: 16px; margin: 4px 0; }
    h4 { font-size: 13px; margin: 10px 0 4px; }
    code, .eq, .done, table.tensor td, table.stats td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
    .summary { margin: 2px 0; color: var(--muted); }
    .note { margin: 4px 0; padding: 4px 8px; background: #fff7e0; border-left: 3px solid #d9a400; }
    .keys { margin: 4px 0 2px; color: var(--muted); font-size: 12px; }
    #controls { flex: 0 0 auto; display: flex; gap: 6px; align-items: center; padding: 6px 20px;
                background: #fff; border-bottom: 1px solid var(--line); }
    #controls button { font: inherit; min-width: 34px; padding: 3px 8px; border: 1px solid #b9bfc8; border-radius: 5px;
                       background: #fff; cursor: pointer; }
    #controls button:hover { background: #f0f2f5; }
    #slider { flex: 1 1 auto; }
    #counter { min-width: 190px; font-variant-numeric: tabular-nums; }
    main { flex: 1 1 0; min-height: 0; display: flex; align-items: stretch; }
    #graph { flex: 1 1 0; min-width: 0; overflow: auto; display: flex; background: #fff; outline: none; }
    #drawing { flex: none; display: block; margin: auto; }
    aside { flex: 0 0 clamp(300px, 30vw, 420px); min-width: 0; overflow: auto; padding: 0 14px 14px;
            background: #fff; border-left: 1px solid var(--line); }
    #now .eq, #steps .eq { margin: 3px 0; }
    .phase { display: inline-block; padding: 0 6px; border-radius: 4px; background: #e9ecef; font-size: 12px; }
    [data-phase="forward"] > p > .phase { background: #dbeafe; }
    [data-phase="backward"] > p > .phase { background: #fde2e1; }
    #now p { margin: 4px 0; }
    .done { color: var(--grad); margin: 3px 0; }
    #steps { margin: 0; padding-left: 28px; }
    #steps li { padding: 2px 6px; border-radius: 4px; cursor: pointer; }
    #steps li p { margin: 1px 0; }
    #steps li.current { background: #fff1e6; outline: 1px solid #f5c197; }
    svg text { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; fill: var(--fg); }
    .node { cursor: pointer; transition: opacity .2s; }
    .node rect { fill: #fff; stroke: #59606b; stroke-width: 1; }
    .node.leaf rect { fill: var(--leaf); stroke: var(--leaf-edge); }
    .node.root rect { stroke-width: 2; }
    .node.op rect { fill: var(--op); stroke: #8c939d; }
    .node.op text.opname { font-weight: bold; }
    .node.op text.attr { fill: var(--muted); font-size: 10.5px; }
    .node.const rect { fill: #fafafa; stroke: #aab0b8; stroke-dasharray: 3 2; }
    .node.const text { fill: var(--muted); }
    .node.block rect { fill: #f3f6fb; stroke: #5b6b85; }
    .node text.name { font-weight: bold; }
    .node text.info { fill: var(--muted); }
    .node text.grad { fill: var(--grad); visibility: hidden; }
    .node.graded text.grad { visibility: visible; }
    .node.future { opacity: .16; }
    .node.future text.val { visibility: hidden; }
    .node.current rect { stroke: var(--accent); stroke-width: 3; }
    .node.selected rect { stroke-dasharray: 6 3; stroke-width: 2.5; }
    .node:focus { outline: none; }
    .node:focus rect { stroke-width: 2.5; }
    .edge { fill: none; stroke: #9ba3ae; stroke-width: 1.3; marker-end: url(#arrow); transition: opacity .2s; }
    .edge.future { opacity: .1; }
    .edge.active { stroke: var(--accent); stroke-width: 3; marker-end: url(#arrow-active);
                   stroke-dasharray: 7 4; animation: flow 0.8s linear infinite; }
    body[data-phase="backward"] .edge.active { stroke: var(--grad); marker-end: url(#arrow-grad); animation-direction: reverse; }
    @keyframes flow { from { stroke-dashoffset: 22; } to { stroke-dashoffset: 0; } }
    .head { fill: #9ba3ae; }
    .head.active { fill: var(--accent); }
    .head.grad { fill: var(--grad); }
    .node.mark-exact rect { fill: #dcf5e3; stroke: #2f8a4c; }
    .node.mark-close rect { fill: #fff3cc; stroke: #a67c00; }
    .node.mark-wrong rect { fill: #fde0de; stroke: #c0392b; }
    .node.mark-kink rect { fill: #ffe8cc; stroke: #c76b00; }
    .node.mark-none rect { fill: #f1f1f1; stroke: #999; }
    .key.mark-exact { background: #dcf5e3; }
    .key.mark-close { background: #fff3cc; }
    .key.mark-wrong { background: #fde0de; }
    .key.mark-kink { background: #ffe8cc; }
    .key.mark-none { background: #f1f1f1; }
    .node.first-wrong rect { stroke: #c0392b; stroke-width: 4; }
    .node text.badge { font-weight: bold; }
    .key { display: inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 4px; border: 1px solid #ccc; }
    .banner { margin: 6px 0; }
    .banner details summary { cursor: pointer; color: var(--muted); margin: 4px 0; }
    .banner table, .detail table, #detail-body table { border-collapse: collapse; margin: 4px 0; }
    .banner th, .banner td, #detail-body th, #detail-body td { border: 1px solid var(--line); padding: 2px 7px; text-align: left; }
    .banner tr.wrong td, .banner tr.first td { background: #fde0de; }
    .banner tr.first td { font-weight: bold; }
    table.tensor td { text-align: right; }
    td.g { color: var(--grad); }
    .cells { display: flex; flex-wrap: wrap; gap: 2px; max-width: 380px; margin: 4px 0; }
    .cell { width: 14px; height: 14px; border-radius: 2px; background: #cfe9d6; }
    .cell.kink { background: #f5b96b; }
    .cell.mismatch { background: #d64541; }
    .index { margin: 6px 0 0; color: var(--muted); font-size: 12px; }
    .shape { color: var(--muted); font-weight: normal; font-size: 12px; }
    .gradwait { display: none; color: var(--muted); }
    #detail-body.nograd .gradpart { display: none; }
    #detail-body.nograd .gradwait { display: block; }
    #detail-body.notyet h4, #detail-body.notyet table { opacity: .35; }
    .hint { color: var(--muted); }
    /* A narrow or low window: one column that scrolls, the controls kept at the top. */
    @media (max-width: 900px), (max-height: 500px) {
      html, body { height: auto; }
      body { display: block; overflow: visible; }
      header { max-height: none; }
      #controls { position: sticky; top: 0; z-index: 3; flex-wrap: wrap; }
      main { display: block; }
      #graph { height: 70vh; min-height: 260px; }
      aside { height: auto; border-left: 0; border-top: 1px solid var(--line); }
    }
    """

    static let script = """
    (function () {
      "use strict";
      var doc = document, body = doc.body;
      function all(selector) { return Array.prototype.slice.call(doc.querySelectorAll(selector)); }
      function byId(id) { return doc.getElementById(id); }
      var steps = all("#steps > li"), nodes = all("#drawing .node"), edges = all("#drawing .edge");
      var slider = byId("slider"), counter = byId("counter"), now = byId("now"), detail = byId("detail-body");
      var graph = byId("graph"), drawing = byId("drawing");
      var current = 0, selected = null, scale = 1, timer = null, zoomed = false, following = false;
      var baseWidth = Number(drawing.getAttribute("width")), baseHeight = Number(drawing.getAttribute("height"));

      function number(element, name) {
        var value = element.getAttribute(name);
        return value === null || value === "" ? Infinity : Number(value);
      }
      function words(element, name) {
        var value = element.getAttribute(name);
        return value ? value.split(" ") : [];
      }
      /* #step=N in the address is step N as the page counts them, from 1 ("Step N of M").
         #step=0 (from links made when the address counted from 0) opens the first step. */
      function stepFromHash(hash) {
        var match = /step=(\\d+)/.exec(hash);
        return match ? Math.max(0, Number(match[1]) - 1) : null;
      }
      function hashOf(k) { return "#step=" + (k + 1); }
      /* The elements' rectangle in the scrolled coordinates of the graph's area. */
      function extent(elements) {
        var view = graph.getBoundingClientRect(), out = null;
        elements.forEach(function (element) {
          var box = element.getBoundingClientRect();
          var r = { left: box.left - view.left - graph.clientLeft + graph.scrollLeft,
                    top: box.top - view.top - graph.clientTop + graph.scrollTop };
          r.right = r.left + box.width;
          r.bottom = r.top + box.height;
          out = out === null ? r : { left: Math.min(out.left, r.left), top: Math.min(out.top, r.top),
                                     right: Math.max(out.right, r.right), bottom: Math.max(out.bottom, r.bottom) };
        });
        return out;
      }
      /* Pans the graph so that the step's boxes are in view: all of them when they fit, else the
         first two (the op and its result), else the first; centred on them when any was out of
         view or at the edge. */
      function follow(ids) {
        var elements = ids.map(byId).filter(function (e) { return e && e.getBoundingClientRect; });
        if (elements.length === 0) { return; }
        /* In a narrow window the page scrolls as one column: bring the graph up under the controls
           (which then stay at the top of the window). */
        var bar = byId("controls").getBoundingClientRect(), area = graph.getBoundingClientRect();
        if (following && doc.documentElement.scrollHeight > window.innerHeight + 1 &&
            (area.top < bar.bottom - 1 || area.bottom > window.innerHeight + 1)) {
          window.scrollBy(0, area.top - bar.height);
        }
        var margin = 24, width = graph.clientWidth, height = graph.clientHeight, box = null;
        [elements, elements.slice(0, 2), elements.slice(0, 1)].some(function (group) {
          box = extent(group);
          return box.right - box.left <= width - 2 * margin && box.bottom - box.top <= height - 2 * margin;
        });
        var left = graph.scrollLeft, top = graph.scrollTop;
        if (box.left < left + margin || box.right > left + width - margin) {
          left = (box.left + box.right - width) / 2;
        }
        if (box.top < top + margin || box.bottom > top + height - margin) {
          top = (box.top + box.bottom - height) / 2;
        }
        graph.scrollLeft = Math.max(0, left);
        graph.scrollTop = Math.max(0, top);
      }
      function refreshDetail() {
        if (!selected) { return; }
        var source = byId(selected.getAttribute("data-detail"));
        if (!source) { return; }
        detail.innerHTML = source.innerHTML;
        detail.setAttribute("data-for", selected.id);
        detail.classList.toggle("nograd", !selected.classList.contains("graded"));
        detail.classList.toggle("notyet", selected.classList.contains("future"));
      }
      function show(k) {
        if (steps.length === 0) { return; }
        k = Math.max(0, Math.min(steps.length - 1, k));
        current = k;
        var step = steps[k], focus = words(step, "data-focus"), active = words(step, "data-edges");
        var phase = step.getAttribute("data-phase");
        nodes.forEach(function (node) {
          node.classList.toggle("future", number(node, "data-appear") > k);
          node.classList.toggle("graded", number(node, "data-grad") <= k);
          node.classList.toggle("current", focus.indexOf(node.id) >= 0);
        });
        edges.forEach(function (edge) {
          edge.classList.toggle("future", number(edge, "data-appear") > k);
          edge.classList.toggle("active", active.indexOf(edge.id) >= 0);
        });
        steps.forEach(function (item) { item.classList.toggle("current", item === step); });
        now.innerHTML = step.innerHTML;
        now.setAttribute("data-phase", phase);
        slider.value = String(k);
        counter.textContent = "Step " + (k + 1) + " of " + steps.length + " \\u00b7 " + phase;
        body.setAttribute("data-step", String(k));
        body.setAttribute("data-phase", phase);
        refreshDetail();
        follow(focus);
        try { history.replaceState(null, "", hashOf(k)); } catch (error) { /* file: URLs may refuse */ }
      }
      function select(node) {
        selected = node;
        nodes.forEach(function (other) { other.classList.toggle("selected", other === node); });
        refreshDetail();
      }
      function setScale(value) {
        scale = Math.max(0.1, Math.min(3, value));
        drawing.setAttribute("width", String(Math.round(baseWidth * scale)));
        drawing.setAttribute("height", String(Math.round(baseHeight * scale)));
      }
      function zoom(factor) { zoomed = true; setScale(scale * factor); follow(words(steps[current], "data-focus")); }
      function fitScale() {
        return Math.min((graph.clientWidth - 24) / baseWidth, (graph.clientHeight - 24) / baseHeight);
      }
      /* The drawing uses the height there is: a small graph is drawn whole and larger (up to twice
         its size); a wide one as tall as the room (up to one and a half times, its text still
         small enough to read a step at once), panned sideways as the steps go; a tall one keeps
         its size and scrolls ("fit" shows it whole). */
      function roomScale() {
        var whole = fitScale(), tall = (graph.clientHeight - 24) / baseHeight;
        if (whole >= 1) { return Math.min(2, whole); }
        return tall > 1 ? Math.min(1.5, tall) : 1;
      }
      function play() {
        if (timer !== null) { clearInterval(timer); timer = null; byId("play").textContent = "play"; return; }
        if (current >= steps.length - 1) { show(0); }
        byId("play").textContent = "pause";
        timer = setInterval(function () {
          if (current >= steps.length - 1) { play(); return; }
          show(current + 1);
        }, 900);
      }
      nodes.forEach(function (node) {
        node.addEventListener("click", function () { select(node); });
        node.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(node); }
        });
      });
      steps.forEach(function (item, k) { item.addEventListener("click", function () { show(k); }); });
      byId("first").addEventListener("click", function () { show(0); });
      byId("prev").addEventListener("click", function () { show(current - 1); });
      byId("next").addEventListener("click", function () { show(current + 1); });
      byId("last").addEventListener("click", function () { show(steps.length - 1); });
      byId("play").addEventListener("click", play);
      byId("zoom-in").addEventListener("click", function () { zoom(1.25); });
      byId("zoom-out").addEventListener("click", function () { zoom(0.8); });
      byId("zoom-fit").addEventListener("click", function () { zoomed = true; setScale(fitScale()); });
      slider.addEventListener("input", function () { show(Number(slider.value)); });
      doc.addEventListener("keydown", function (event) {
        if (event.target === slider || event.altKey || event.ctrlKey || event.metaKey) { return; }
        var next = null;
        switch (event.key) {
          case "ArrowRight": case "ArrowDown": case "PageDown": next = current + 1; break;
          case "ArrowLeft": case "ArrowUp": case "PageUp": next = current - 1; break;
          case "Home": next = 0; break;
          case "End": next = steps.length - 1; break;
          default: return;
        }
        event.preventDefault();
        show(next);
      });
      setScale(roomScale());
      window.addEventListener("resize", function () {
        if (!zoomed) { setScale(roomScale()); }
        follow(words(steps[current], "data-focus"));
      });
      window.addEventListener("hashchange", function () {
        var k = stepFromHash(window.location.hash);
        if (k !== null && k !== current) { show(k); }
      });
      /* A report page opens with the first wrong step's details. */
      var flagged = doc.querySelector("#drawing .first-wrong");
      if (flagged) { select(flagged); }
      /* Opened at a step (#step=N), the page shows its boxes; opened plain, its top (the title). */
      following = stepFromHash(window.location.hash) !== null;
      show(stepFromHash(window.location.hash) || 0);
      following = true;
    }());
    """
}
