// graphmodel view: reads the page's JSON data, draws it with vis-network, and wires
// the legend filters, the round filter and the search. Every text from the data is
// put on the page with textContent, never as HTML.
//
// The data comes column by column (node i is nodes.ids[i], nodes.names[i], ...; ties
// refer to nodes and types by number). Tooltips are built only when one is shown, from
// a second JSON block (properties and interviews) that is parsed on the first tooltip.
(function () {
  "use strict";
  var timings = { start: performance.now() };
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var N = data.nodes, E = data.edges, info = null;
  var groups = {};
  data.labels.forEach(function (lb) {
    groups[lb.name] = { color: { background: lb.color, border: lb.color }, shape: lb.shape };
  });
  timings.parsed = performance.now();

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  var index = {};  // node id -> number
  N.ids.forEach(function (id, i) { index[id] = i; });
  function labelName(i) { var g = N.groups[i]; return g >= 0 ? data.labels[g].name : "?"; }
  function typeName(j) { var t = E.types[j]; return t >= 0 ? data.types[t].name : "?"; }

  // A tooltip as a DOM element (node: its id; tie: its number), filled as text only.
  function tooltip(id) {
    if (info === null) info = JSON.parse(document.getElementById("graph-info").textContent);
    var isNode = typeof id === "string", i = isNode ? index[id] : id;
    if (i === undefined || (!isNode && (i < 0 || i >= E.from.length))) return undefined;
    var first = isNode ? ["label", labelName(i), "id", N.ids[i]]
      : ["tie", N.names[E.from[i]] + " \u2192 " + typeName(i) + " \u2192 " + N.names[E.to[i]]];
    var entry = isNode ? info.nodes[i] : info.edges[i], rows = first.concat(entry[0]);
    var box = el("div", undefined, "gm-tip");
    box.appendChild(el("div", isNode ? N.names[i] : typeName(i), "gm-tip-title"));
    var table = el("table");
    for (var r = 0; r < rows.length; r += 2) {
      var tr = el("tr");
      tr.appendChild(el("th", rows[r]));
      tr.appendChild(el("td", rows[r + 1]));
      table.appendChild(tr);
    }
    box.appendChild(table);
    var refs = entry[1], total = refs[refs.length - 1];
    if (total > 0) {
      box.appendChild(el("div", "Interviews behind it", "gm-tip-sub"));
      var list = el("ul");
      for (var k = 0; k < refs.length - 1; k++) list.appendChild(el("li", info.interviews[refs[k]]));
      if (total > refs.length - 1) list.appendChild(el("li", "\u2026 and " + (total - refs.length + 1) + " more"));
      box.appendChild(list);
    }
    return box;
  }

  var hlNode = {}, hlEdge = {};
  N.hl.forEach(function (i) { hlNode[i] = true; });
  E.hl.forEach(function (j) { hlEdge[j] = true; });
  var centreSize = data.sizeBy ? undefined : 28;
  var nodeItems = new Array(N.ids.length);
  for (var i = 0; i < N.ids.length; i++) {
    var item = { id: N.ids[i], label: N.names[i] };
    if (N.groups[i] >= 0) item.group = data.labels[N.groups[i]].name;
    if (N.values && N.values[i] !== null) item.value = N.values[i];
    if (N.x) { item.x = N.x[i]; item.y = N.y[i]; }
    if (hlNode[i]) {
      var colour = N.groups[i] >= 0 ? data.labels[N.groups[i]].color : "#9e9e9e";
      item.borderWidth = 5;
      item.color = { background: colour, border: "#111111", highlight: { background: colour, border: "#000000" } };
      item.font = { bold: { color: "#000000" }, multi: false, size: 16 };
    }
    if (N.centre === i && centreSize) item.size = centreSize;
    nodeItems[i] = item;
  }
  var typeColour = data.types.map(function (t) {
    return { color: t.color, highlight: t.color, hover: t.color, opacity: 0.85 };
  });
  var edgeItems = new Array(E.from.length);
  for (var j = 0; j < E.from.length; j++) {
    var t = E.types[j];
    edgeItems[j] = { id: j, from: N.ids[E.from[j]], to: N.ids[E.to[j]],
                     color: t >= 0 ? typeColour[t] : { color: "#9e9e9e", opacity: 0.85 },
                     dashes: t >= 0 && data.types[t].dashes, width: hlEdge[j] ? 4 : 1 };
  }

  timings.items = performance.now();
  var nodes = new vis.DataSet(nodeItems);
  var edges = new vis.DataSet(edgeItems);
  var shownLabels = data.labels.map(function () { return true; });
  var shownTypes = data.types.map(function () { return true; });
  var round = null;

  function visibleAt(i) {
    var g = N.groups[i];
    if (g >= 0 && !shownLabels[g]) return false;
    return round === null || N.rounds[i].length === 0 || N.rounds[i].indexOf(round) >= 0;
  }
  var nodeView = new vis.DataView(nodes, { filter: function (n) { return visibleAt(index[n.id]); } });
  var edgeView = new vis.DataView(edges, {
    filter: function (e) {
      var j = e.id, t = E.types[j];
      if (t >= 0 && !shownTypes[t]) return false;
      if (round !== null && E.rounds[j] !== round) return false;
      return visibleAt(E.from[j]) && visibleAt(E.to[j]);
    }
  });

  var large = !data.physics;
  // Ties are drawn only from this zoom scale on (null: always); the overview shows the actors.
  var tieScale = data.tieScale, tiesDrawn = tieScale === null || tieScale === undefined;
  var status = document.getElementById("status");
  function updateStatus() {
    status.textContent = nodeView.length + " of " + nodes.length + " actors, " +
      edgeView.length + " of " + edges.length + " ties shown" +
      (large ? " (large graph: fixed layout, physics off" +
               (tiesDrawn ? ")" : "; ties drawn when zoomed in)") : "");
  }
  updateStatus();  // before drawing: a status line that grows later would resize the canvas and redraw it
  var options = {
    groups: groups,
    nodes: { size: 14, title: " ",
             font: { size: 14, face: "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
             scaling: { min: 8, max: 48, label: { enabled: false, drawThreshold: 6 } } },
    edges: { title: " ", arrows: { to: { enabled: true, scaleFactor: 0.5 } },
             smooth: large ? false : { type: "continuous" } },
    interaction: { hover: !large, tooltipDelay: 150, hideEdgesOnDrag: large, hideEdgesOnZoom: large },
    layout: { improvedLayout: !large && N.ids.length <= 150 },
    physics: large ? false : { solver: "barnesHut", stabilization: { iterations: 300, updateInterval: 50 },
                               barnesHut: { gravitationalConstant: -6000, springLength: 140 } }
  };
  var container = document.getElementById("network");
  timings.datasets = performance.now();
  var tiesLoaded = tiesDrawn, drawnEdges = new vis.DataView(edgeView, { filter: function () { return tiesLoaded; } });
  var network = new vis.Network(container, { nodes: nodeView, edges: drawnEdges }, options);
  timings.network = performance.now();
  var api = { network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView,
              tooltip: tooltip, ready: false, timings: timings };
  window.graphmodelView = api;

  // vis-network shows the placeholder title (as text), then we put the real tooltip in its place.
  network.on("showPopup", function (id) {
    var popup = network.interactionHandler && network.interactionHandler.popup;
    if (!popup) return;
    if (typeof id === "number" && !tiesDrawn) { popup.hide(); return; }  // an undrawn tie
    var tip = tooltip(id);
    if (tip === undefined) return;
    popup.setText(tip);
    popup.show();
  });

  // In the overview of a large graph the ties are not drawn (drawing 78,000 took 2 s a frame):
  // vis-network's edge drawing is skipped until the zoom passes tieScale. The ties reach
  // vis-network on that first zoom (creating 78,000 took 2 s), not before the first drawing.
  var drawEdges = network.renderer && network.renderer._drawEdges;
  if (!tiesDrawn && typeof drawEdges === "function") {
    network.renderer._drawEdges = function (ctx) { if (tiesDrawn) drawEdges.call(this, ctx); };
  } else if (!tiesDrawn) {
    network.setOptions({ edges: { hidden: true } });  // slower to toggle, but the same result
  }
  function checkTies() {
    if (tieScale === null || tieScale === undefined) return;
    var want = network.getScale() >= tieScale;
    if (want === tiesDrawn) return;
    tiesDrawn = want;
    if (want && !tiesLoaded) {
      tiesLoaded = true;
      drawnEdges.refresh();
      timings.tiesLoaded = performance.now();
    }
    if (typeof drawEdges !== "function") network.setOptions({ edges: { hidden: !want } });
    network.redraw();
    updateStatus();
  }
  network.on("zoom", checkTies);
  api.checkTies = checkTies;
  api.tiesDrawn = function () { return tiesDrawn; };

  function markReady() {
    if (!large) network.setOptions({ physics: false });  // settle once, then stay still
    timings.ready = performance.now();
    api.ready = true;
    document.body.setAttribute("data-ready", "true");
  }
  if (large) network.once("afterDrawing", markReady);
  else network.once("stabilizationIterationsDone", markReady);

  function refresh() { nodeView.refresh(); edgeView.refresh(); updateStatus(); }

  Array.prototype.forEach.call(document.querySelectorAll("input.filter-label"), function (box) {
    box.addEventListener("change", function () {
      shownLabels[Number(box.getAttribute("data-index"))] = box.checked; refresh();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("input.filter-type"), function (box) {
    box.addEventListener("change", function () {
      shownTypes[Number(box.getAttribute("data-index"))] = box.checked; refresh();
    });
  });
  document.getElementById("round").addEventListener("change", function (ev) {
    round = ev.target.value === "" ? null : Number(ev.target.value); refresh();
  });

  var input = document.getElementById("search"), result = document.getElementById("search-result");
  function search() {
    var q = input.value.trim().toLowerCase();
    result.textContent = "";
    if (!q) { network.unselectAll(); return []; }
    var hits = [];
    for (var i = 0; i < N.ids.length; i++) {
      if (visibleAt(i) && (N.ids[i] + "\n" + N.names[i]).toLowerCase().indexOf(q) >= 0) hits.push(N.ids[i]);
    }
    network.selectNodes(hits);
    if (hits.length) { network.focus(hits[0], { scale: 1.2, animation: false }); checkTies(); }
    result.textContent = hits.length + (hits.length === 1 ? " match" : " matches") +
      (hits.length ? ": " + N.names[index[hits[0]]].replace("\n", " / ") + (hits.length > 1 ? ", \u2026" : "") : "");
    return hits;
  }
  api.search = function (text) { input.value = text; return search(); };
  document.getElementById("search-go").addEventListener("click", search);
  input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") search(); });
})();
