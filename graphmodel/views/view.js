// graphmodel view: reads the page's JSON data, draws it with vis-network, and wires
// the legend filters, the round filter and the search. Every text from the data is
// put on the page with textContent, never as HTML.
(function () {
  "use strict";
  var timings = { start: performance.now() };
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var labelStyle = {}, typeStyle = {}, groups = {};
  data.labels.forEach(function (lb) {
    labelStyle[lb.name] = lb;
    groups[lb.name] = { color: { background: lb.color, border: lb.color }, shape: lb.shape };
  });
  data.types.forEach(function (t) { typeStyle[t.name] = t; });
  timings.parsed = performance.now();

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  // A tooltip as a DOM element: vis-network shows an Element as is, and we fill it as text only.
  function tooltip(item) {
    var box = el("div", undefined, "gm-tip");
    box.appendChild(el("div", item.label || item.type, "gm-tip-title"));
    var table = el("table");
    item.info.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("th", row[0]));
      tr.appendChild(el("td", row[1]));
      table.appendChild(tr);
    });
    box.appendChild(table);
    if (item.iv && item.iv.length) {
      box.appendChild(el("div", "Interviews behind it", "gm-tip-sub"));
      var list = el("ul");
      item.iv.forEach(function (text) { list.appendChild(el("li", text)); });
      box.appendChild(list);
    }
    return box;
  }

  var centreSize = data.sizeBy ? undefined : 28;
  var nodeItems = data.nodes.map(function (n) {
    var style = labelStyle[n.group] || { color: "#9e9e9e" };
    var item = { id: n.id, label: n.label, group: n.group, title: tooltip(n), raw: n };
    if (n.value !== undefined) item.value = n.value;
    if (n.x !== undefined) { item.x = n.x; item.y = n.y; }
    if (n.hl) {
      item.borderWidth = 5;
      item.color = { background: style.color, border: "#111111", highlight: { background: style.color, border: "#000000" } };
      item.font = { bold: { color: "#000000" }, multi: false, size: 16 };
    }
    if (n.centre && centreSize) item.size = centreSize;
    return item;
  });
  var edgeItems = data.edges.map(function (e) {
    var style = typeStyle[e.type] || { color: "#9e9e9e", dashes: false };
    var item = { id: e.id, from: e.from, to: e.to, title: tooltip(e), raw: e,
                 color: { color: style.color, highlight: style.color, hover: style.color, opacity: 0.85 },
                 dashes: style.dashes, width: e.hl ? 4 : 1 };
    return item;
  });

  timings.items = performance.now();
  var nodes = new vis.DataSet(nodeItems);
  var edges = new vis.DataSet(edgeItems);
  var shownLabels = {}, shownTypes = {}, round = null;
  data.labels.forEach(function (lb) { shownLabels[lb.name] = true; });
  data.types.forEach(function (t) { shownTypes[t.name] = true; });

  function nodeVisible(n) {
    if (!shownLabels[n.group]) return false;
    return round === null || n.raw.rounds.length === 0 || n.raw.rounds.indexOf(round) >= 0;
  }
  var nodeView = new vis.DataView(nodes, { filter: nodeVisible });
  var edgeView = new vis.DataView(edges, {
    filter: function (e) {
      if (!shownTypes[e.raw.type]) return false;
      if (round !== null && e.raw.round !== round) return false;
      var a = nodes.get(e.from), b = nodes.get(e.to);
      return !!a && !!b && nodeVisible(a) && nodeVisible(b);
    }
  });

  var large = !data.physics;
  var options = {
    groups: groups,
    nodes: { size: 14, font: { size: 14, face: "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
             scaling: { min: 8, max: 48, label: { enabled: false } } },
    edges: { arrows: { to: { enabled: true, scaleFactor: 0.5 } }, smooth: large ? false : { type: "continuous" } },
    interaction: { hover: !large, tooltipDelay: 150, hideEdgesOnDrag: large, hideEdgesOnZoom: large },
    layout: { improvedLayout: !large && data.nodes.length <= 150 },
    physics: large ? false : { solver: "barnesHut", stabilization: { iterations: 300, updateInterval: 50 },
                               barnesHut: { gravitationalConstant: -6000, springLength: 140 } }
  };
  var container = document.getElementById("network");
  timings.datasets = performance.now();
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);
  timings.network = performance.now();
  var api = { network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView,
              tooltip: tooltip, ready: false, timings: timings };
  window.graphmodelView = api;

  function markReady() {
    if (!large) network.setOptions({ physics: false });  // settle once, then stay still
    timings.ready = performance.now();
    api.ready = true;
    document.body.setAttribute("data-ready", "true");
  }
  if (large) network.once("afterDrawing", markReady);
  else network.once("stabilizationIterationsDone", markReady);

  var status = document.getElementById("status");
  function updateStatus() {
    status.textContent = nodeView.length + " of " + nodes.length + " actors, " +
      edgeView.length + " of " + edges.length + " ties shown" +
      (large ? " (large graph: fixed layout, physics off)" : "");
  }
  function refresh() { nodeView.refresh(); edgeView.refresh(); updateStatus(); }

  Array.prototype.forEach.call(document.querySelectorAll("input.filter-label"), function (box) {
    box.addEventListener("change", function () {
      shownLabels[data.labels[Number(box.getAttribute("data-index"))].name] = box.checked; refresh();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("input.filter-type"), function (box) {
    box.addEventListener("change", function () {
      shownTypes[data.types[Number(box.getAttribute("data-index"))].name] = box.checked; refresh();
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
    var hits = nodeView.get({ filter: function (n) {
      return (n.id + "\n" + n.label).toLowerCase().indexOf(q) >= 0;
    } }).map(function (n) { return n.id; });
    network.selectNodes(hits);
    if (hits.length) network.focus(hits[0], { scale: 1.2, animation: false });
    result.textContent = hits.length + (hits.length === 1 ? " match" : " matches") +
      (hits.length ? ": " + nodes.get(hits[0]).label.replace("\n", " / ") + (hits.length > 1 ? ", …" : "") : "");
    return hits;
  }
  api.search = function (text) { input.value = text; return search(); };
  document.getElementById("search-go").addEventListener("click", search);
  input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") search(); });
  updateStatus();
})();
