// graphmodel view: reads the page's JSON data, draws it with vis-network, and wires
// the legend filters, the round and year filters, the basis filter and the search.
// Every text from the data is put on the page with textContent, never as HTML.
//
// The data comes column by column (node i is nodes.ids[i], nodes.names[i], ...; ties
// refer to nodes and types by number). Tooltips are built only when one is shown, from
// a second JSON block (properties and interviews) that is parsed on the first tooltip.
//
// Two ways to draw: every actor (small graphs and focused views; large graphs at fixed
// positions, their ties painted on the canvas by this script until vis-network takes over
// when zoomed in), or an overview of groups (data.overview): groups of actors with their
// ties bundled and counted; clicking a group opens it (its county groups or its members).
(function () {
  "use strict";
  var timings = { start: performance.now() };
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var N = data.nodes, E = data.edges, G = data.groups, info = null;
  var nNodes = N.ids.length, nTies = E.from.length;
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
  function fmt(n) { return n.toLocaleString("en"); }

  var index = {};  // node id -> number
  N.ids.forEach(function (id, i) { index[id] = i; });
  function labelName(i) { var g = N.groups[i]; return g >= 0 ? data.labels[g].name : "?"; }
  function typeName(j) { var t = E.types[j]; return t >= 0 ? data.types[t].name : "?"; }
  function labelColour(g) { return g >= 0 ? data.labels[g].color : "#9e9e9e"; }
  function typeColourOf(t) { return t >= 0 ? data.types[t].color : "#9e9e9e"; }

  // A tooltip as a DOM element (node: its id; tie: its number), filled as text only.
  function tooltip(id) {
    if (info === null) info = JSON.parse(document.getElementById("graph-info").textContent);
    var isNode = typeof id === "string", i = isNode ? index[id] : id;
    if (i === undefined || (!isNode && (i < 0 || i >= nTies))) return undefined;
    var first = isNode ? ["label", labelName(i), "id", N.ids[i]]
      : ["tie", N.names[E.from[i]] + " \u2192 " + typeName(i) + " \u2192 " + N.names[E.to[i]]];
    var entry = isNode ? info.nodes[i] : info.edges[i];
    var box = table(isNode ? N.names[i] : typeName(i), first.concat(entry[0]));
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
  function table(title, rows) {
    var box = el("div", undefined, "gm-tip");
    box.appendChild(el("div", title, "gm-tip-title"));
    var tbl = el("table");
    for (var r = 0; r < rows.length; r += 2) {
      var tr = el("tr");
      tr.appendChild(el("th", rows[r]));
      tr.appendChild(el("td", rows[r + 1]));
      tbl.appendChild(tr);
    }
    box.appendChild(tbl);
    return box;
  }

  // --- filters, shared by both ways of drawing -------------------------------------------
  var shownLabels = data.labels.map(function () { return true; });
  var shownTypes = data.types.map(function () { return true; });
  var round = null, year = null, statedOnly = false;
  var illusNode = new Uint8Array(nNodes), illusTie = new Uint8Array(nTies);
  N.illus.forEach(function (i) { illusNode[i] = 1; });
  E.illus.forEach(function (j) { illusTie[j] = 1; });

  function visibleAt(i) {
    var g = N.groups[i];
    if (g >= 0 && !shownLabels[g]) return false;
    if (statedOnly && illusNode[i]) return false;
    return round === null || N.rounds[i].length === 0 || N.rounds[i].indexOf(round) >= 0;
  }
  function tieShown(j) {
    var t = E.types[j];
    if (t >= 0 && !shownTypes[t]) return false;
    if (round !== null && E.rounds[j] !== round) return false;
    if (year !== null && E.y0 && (E.y0[j] > year || E.y1[j] < year)) return false;
    if (statedOnly && illusTie[j]) return false;
    return visibleAt(E.from[j]) && visibleAt(E.to[j]);
  }
  function countShownTies() {
    var n = 0;
    for (var j = 0; j < nTies; j++) if (tieShown(j)) n++;
    return n;
  }

  var status = document.getElementById("status");
  var container = document.getElementById("network");
  var api = { tooltip: tooltip, ready: false, timings: timings, countShownTies: countShownTies,
              mode: data.overview ? "overview" : "actors" };
  window.graphmodelView = api;
  var draw = data.overview ? overview() : actors();
  timings.network = performance.now();

  // vis-network shows the placeholder title (as text), then we put the real tooltip in its place.
  draw.network.on("showPopup", function (id) {
    var popup = draw.network.interactionHandler && draw.network.interactionHandler.popup;
    if (!popup) return;
    var tip = draw.tip(id);
    if (tip === undefined) { popup.hide(); return; }
    popup.setText(tip);
    popup.show();
  });
  function markReady() {
    if (draw.settle) draw.network.setOptions({ physics: false });  // settle once, then stay still
    timings.ready = performance.now();
    api.ready = true;
    document.body.setAttribute("data-ready", "true");
  }
  if (draw.settle) draw.network.once("stabilizationIterationsDone", markReady);
  else draw.network.once("afterDrawing", markReady);

  Array.prototype.forEach.call(document.querySelectorAll("input.filter-label"), function (box) {
    box.addEventListener("change", function () {
      shownLabels[Number(box.getAttribute("data-index"))] = box.checked; draw.refresh();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("input.filter-type"), function (box) {
    box.addEventListener("change", function () {
      shownTypes[Number(box.getAttribute("data-index"))] = box.checked; draw.refresh();
    });
  });
  document.getElementById("round").addEventListener("change", function (ev) {
    round = ev.target.value === "" ? null : Number(ev.target.value); draw.refresh();
  });
  var stated = document.getElementById("stated-only");
  if (stated) stated.addEventListener("change", function () { statedOnly = stated.checked; draw.refresh(); });

  // The time slider: ties active in one year (y0 <= year <= y1, from the page's Python), or all.
  var yearBox = document.getElementById("year"), allYears = document.getElementById("all-years");
  var yearLabel = document.getElementById("year-label"), play = document.getElementById("play"), timer = null;
  function roundIn(y) {
    var rs = data.years ? data.years.rounds : [];
    for (var k = 0; k < rs.length; k++) if (rs[k][1] <= y && y <= rs[k][2]) return " (fieldwork round " + rs[k][0] + ")";
    return "";
  }
  function setYear(y) {
    year = y;
    if (yearBox) {
      allYears.checked = y === null;
      yearBox.disabled = y === null;
      if (y !== null) yearBox.value = String(y);
      yearLabel.textContent = y === null ? "all years" : y + roundIn(y);
    }
    draw.refresh();
  }
  function stopPlay() { if (timer !== null) { clearInterval(timer); timer = null; play.textContent = "Play"; } }
  if (yearBox) {
    yearLabel.textContent = "all years";
    yearBox.addEventListener("input", function () { stopPlay(); setYear(Number(yearBox.value)); });
    allYears.addEventListener("change", function () { stopPlay(); setYear(allYears.checked ? null : Number(yearBox.value)); });
    play.addEventListener("click", function () {
      if (timer !== null) { stopPlay(); return; }
      setYear(year === null || year >= data.years.max ? data.years.min : year + 1);
      play.textContent = "Pause";
      timer = setInterval(function () {
        if (year >= data.years.max) stopPlay(); else setYear(year + 1);
      }, 900);
    });
  }
  api.setYear = function (y) { stopPlay(); setYear(y); };

  var input = document.getElementById("search"), result = document.getElementById("search-result");
  function search() {
    var q = input.value.trim().toLowerCase();
    result.textContent = "";
    if (!q) { draw.network.unselectAll(); return []; }
    var hits = [];
    for (var i = 0; i < nNodes; i++) {
      // a node is found by its id, its names, or any of its aliases (other ids merged into it)
      var text = N.ids[i] + "\n" + N.names[i] + (N.aliases && N.aliases[i] ? "\n" + N.aliases[i] : "");
      if (visibleAt(i) && text.toLowerCase().indexOf(q) >= 0) hits.push(i);
    }
    draw.show(hits);
    result.textContent = hits.length + (hits.length === 1 ? " match" : " matches") +
      (hits.length ? ": " + N.names[hits[0]].replace("\n", " / ") + (hits.length > 1 ? ", \u2026" : "") : "");
    return hits.map(function (i) { return N.ids[i]; });
  }
  api.search = function (text) { input.value = text; return search(); };
  document.getElementById("search-go").addEventListener("click", search);
  input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") search(); });

  // --- every actor ----------------------------------------------------------------------
  function actors() {
    var hlNode = {}, hlEdge = {};
    N.hl.forEach(function (i) { hlNode[i] = true; });
    E.hl.forEach(function (j) { hlEdge[j] = true; });
    var centreSize = data.sizeBy ? undefined : 28;
    var nodeItems = new Array(nNodes);
    for (var i = 0; i < nNodes; i++) nodeItems[i] = actorItem(i, hlNode[i], N.centre === i && centreSize);
    var typeColour = data.types.map(function (t) {
      return { color: t.color, highlight: t.color, hover: t.color, opacity: 0.85 };
    });
    // a tie's own style (by its kind, or as a trust source) comes from data.variants, else its type's
    var variants = data.variants || [];
    var variantColour = variants.map(function (v) {
      return { color: v.color, highlight: v.color, hover: v.color, opacity: 0.85 };
    });
    var edgeItems = new Array(nTies);
    for (var j = 0; j < nTies; j++) {
      var t = E.types[j], v = E.variant ? E.variant[j] : -1;
      var style = v >= 0 ? variants[v] : (t >= 0 ? data.types[t] : null);
      edgeItems[j] = { id: j, from: N.ids[E.from[j]], to: N.ids[E.to[j]],
                       color: v >= 0 ? variantColour[v] : (t >= 0 ? typeColour[t] : { color: "#9e9e9e", opacity: 0.85 }),
                       dashes: !!(style && style.dashes),
                       width: hlEdge[j] ? 4 : (style && style.width) || 1 };
    }
    timings.items = performance.now();
    var nodes = new vis.DataSet(nodeItems);
    var edges = new vis.DataSet(edgeItems);
    var nodeView = new vis.DataView(nodes, { filter: function (n) { return visibleAt(index[n.id]); } });
    var edgeView = new vis.DataView(edges, { filter: function (e) { return tieShown(e.id); } });
    var large = !data.physics;
    // Above TIE_LIMIT ties, vis-network gets the ties (to draw, hover and explain) only from zoom
    // scale tieScale on; until then this script paints them on the canvas, one path per type.
    var tieScale = data.tieScale, tiesDrawn = tieScale === null || tieScale === undefined;
    function updateStatus() {
      status.textContent = nodeView.length + " of " + nodes.length + " actors, " +
        edgeView.length + " of " + edges.length + " ties shown" +
        (large ? " (large graph: fixed layout, physics off" +
                 (tiesDrawn ? ")" : "; zoom in to point at a tie)") : "");
    }
    updateStatus();  // before drawing: a status line that grows later would resize the canvas and redraw it
    var options = baseOptions(large);
    options.layout = { improvedLayout: !large && nNodes <= 150 };
    options.physics = large ? false : { solver: "barnesHut", stabilization: { iterations: 300, updateInterval: 50 },
                                        barnesHut: { gravitationalConstant: -6000, springLength: 140 } };
    timings.datasets = performance.now();
    var tiesLoaded = tiesDrawn, drawnEdges = new vis.DataView(edgeView, { filter: function () { return tiesLoaded; } });
    var network = new vis.Network(container, { nodes: nodeView, edges: drawnEdges }, options);

    var byType = {};
    for (var k = 0; k < nTies; k++) (byType[E.types[k]] = byType[E.types[k]] || []).push(k);
    network.on("beforeDrawing", function (ctx) {
      if (tiesDrawn || !N.x) return;
      ctx.save();
      ctx.lineWidth = 1 / network.getScale();
      ctx.globalAlpha = 0.45;
      Object.keys(byType).forEach(function (t) {
        var list = byType[t];
        ctx.strokeStyle = typeColourOf(Number(t));
        ctx.beginPath();
        for (var m = 0; m < list.length; m++) {
          var j = list[m];
          if (!tieShown(j)) continue;
          ctx.moveTo(N.x[E.from[j]], N.y[E.from[j]]);
          ctx.lineTo(N.x[E.to[j]], N.y[E.to[j]]);
        }
        ctx.stroke();
      });
      ctx.restore();
      if (timings.tiesPainted === undefined) timings.tiesPainted = performance.now();
    });
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
    api.network = network;
    api.nodes = nodes;
    api.edges = edges;
    api.nodeView = nodeView;
    api.edgeView = edgeView;
    api.checkTies = checkTies;
    api.tiesDrawn = function () { return tiesDrawn; };
    api.tiesPainted = function () { return !tiesDrawn && timings.tiesPainted !== undefined; };
    return {
      network: network,
      settle: !large,
      tip: function (id) {
        if (typeof id === "number" && !tiesDrawn) return undefined;  // an undrawn tie
        return tooltip(id);
      },
      refresh: function () { nodeView.refresh(); edgeView.refresh(); updateStatus(); network.redraw(); },
      show: function (hits) {
        var ids = hits.map(function (i) { return N.ids[i]; });
        network.selectNodes(ids);
        if (ids.length) { network.focus(ids[0], { scale: 1.2, animation: false }); checkTies(); }
      }
    };
  }

  function actorItem(i, highlight, size) {
    var item = { id: N.ids[i], label: N.names[i] };
    if (N.groups[i] >= 0) item.group = data.labels[N.groups[i]].name;
    if (N.values && N.values[i] !== null) item.value = N.values[i];
    if (N.x) { item.x = N.x[i]; item.y = N.y[i]; }
    if (highlight) {
      var colour = labelColour(N.groups[i]);
      item.borderWidth = 5;
      item.color = { background: colour, border: "#111111", highlight: { background: colour, border: "#000000" } };
      item.font = { bold: { color: "#000000" }, multi: false, size: 16 };
    }
    if (size) item.size = size;
    return item;
  }

  function baseOptions(large) {
    return {
      groups: groups,
      nodes: { size: 14, title: " ",
               font: { size: 14, face: "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
               scaling: { min: 8, max: 48, label: { enabled: false, drawThreshold: 6 } } },
      edges: { title: " ", arrows: { to: { enabled: true, scaleFactor: 0.5 } },
               smooth: large ? false : { type: "continuous" } },
      interaction: { hover: !large, tooltipDelay: 150, hideEdgesOnDrag: large, hideEdgesOnZoom: large }
    };
  }

  // --- the overview: groups, ties bundled between them ------------------------------------
  function overview() {
    var nGroups = G.names.length;
    var chains = [];  // group -> its groups from the top down to itself
    for (var g = 0; g < nGroups; g++) chains.push(G.parents[g] >= 0 ? chains[G.parents[g]].concat([g]) : [g]);
    var open = new Uint8Array(nGroups);
    // Groups and bundles keep their size on screen at any zoom: sizes are pixels times `unit`,
    // network units per pixel (1 / zoom scale; before the first drawing, the layout's extent over
    // the 900 or so pixels it is fitted into), and are restyled after each zoom.
    var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (var h = 0; h < nGroups; h++) {
      minX = Math.min(minX, G.x[h]); maxX = Math.max(maxX, G.x[h]);
      minY = Math.min(minY, G.y[h]); maxY = Math.max(maxY, G.y[h]);
    }
    var unit = Math.max(1, Math.max(maxX - minX, maxY - minY) / 900);
    var biggest = Math.max.apply(null, G.sizes);
    var HIDDEN = 2147483647;
    var rep = new Int32Array(nNodes), members = new Int32Array(nGroups), inside = new Int32Array(nGroups);
    var bundles = [], shownTies = 0;
    var nodes = new vis.DataSet(), edges = new vis.DataSet(), network = null;

    function repOf(i) {
      var chain = chains[N.group[i]];
      for (var k = 0; k < chain.length; k++) if (!open[chain[k]]) return -1 - chain[k];
      return i;
    }
    function groupStyle(g, count) {
      return { id: -1 - g, size: unit * (5 + 30 * Math.sqrt(count / biggest)),
               font: { size: unit * 13, strokeWidth: unit * 3, strokeColor: "#ffffff" } };
    }
    function bundleStyle(bd, k) {
      var single = bd.from >= 0 && bd.to >= 0;
      return { id: "b" + k, width: single ? 1 : unit * Math.min(8, 0.6 + Math.log(bd.count) / Math.LN2 * 0.6),
               font: { size: unit * 10, strokeWidth: unit * 2, color: "#333333", align: "middle" } };
    }
    function restyle() {
      if (network === null) return;
      var now = 1 / network.getScale();
      if (Math.abs(now - unit) / unit < 0.05) return;
      unit = now;
      var items = [];
      for (var g = 0; g < nGroups; g++) if (members[g] > 0) items.push(groupStyle(g, members[g]));
      nodes.update(items);
      edges.update(bundles.map(bundleStyle));
    }
    function groupItem(g, count) {
      var colour = labelColour(G.labels[g]), shape = G.labels[g] >= 0 ? data.labels[G.labels[g]].shape : "dot";
      var item = groupStyle(g, count);
      item.label = G.names[g] + "\n" + fmt(count);
      item.x = G.x[g];
      item.y = G.y[g];
      item.shape = shape;
      item.borderWidth = 2;
      item.color = { background: colour, border: "#222222", highlight: { background: colour, border: "#000000" } };
      return item;
    }
    function rebuild() {
      members.fill(0);
      inside.fill(0);
      var items = [];
      for (var i = 0; i < nNodes; i++) {
        if (!visibleAt(i)) { rep[i] = HIDDEN; continue; }
        var r = repOf(i);
        rep[i] = r;
        if (r < 0) members[-1 - r]++; else { var item = actorItem(i, false, 0); item.id = i; items.push(item); }
      }
      for (var g = 0; g < nGroups; g++) if (members[g] > 0) items.push(groupItem(g, members[g]));
      var slot = {};
      bundles = [];
      shownTies = 0;
      for (var j = 0; j < nTies; j++) {
        if (!tieShown(j)) continue;
        shownTies++;
        var a = rep[E.from[j]], b = rep[E.to[j]];
        if (a === b) { if (a < 0) inside[-1 - a]++; continue; }
        var key = a + ">" + b, s = slot[key];
        if (s === undefined) { s = slot[key] = bundles.length; bundles.push({ from: a, to: b, count: 0, types: {} }); }
        bundles[s].count++;
        bundles[s].types[E.types[j]] = (bundles[s].types[E.types[j]] || 0) + 1;
      }
      var ties = bundles.map(function (bd, k) {
        var top = Object.keys(bd.types).sort(function (x, y) { return bd.types[y] - bd.types[x]; })[0];
        var colour = typeColourOf(Number(top)), item = bundleStyle(bd, k);
        item.from = bd.from;
        item.to = bd.to;
        item.color = { color: colour, highlight: colour, hover: colour, opacity: 0.7 };
        item.label = bd.count > 1 ? fmt(bd.count) : undefined;
        return item;
      });
      nodes.clear();
      edges.clear();
      nodes.add(items);
      edges.add(ties);
      updateStatus();
    }
    function updateStatus() {
      var groupsShown = 0, actorsShown = 0, bundled = 0;
      for (var g = 0; g < nGroups; g++) if (members[g] > 0) groupsShown++;
      for (var i = 0; i < nNodes; i++) if (rep[i] >= 0 && rep[i] !== HIDDEN) actorsShown++;
      bundles.forEach(function (bd) { bundled += bd.count; });
      status.textContent = "Overview of " + fmt(nNodes) + " actors and " + fmt(nTies) + " ties: " +
        groupsShown + " groups and " + actorsShown + " actors shown; " + fmt(bundled) + " ties drawn in " +
        fmt(bundles.length) + " bundles, " + fmt(shownTies - bundled) + " inside groups. Click a group to open it.";
    }
    rebuild();
    timings.items = performance.now();
    var options = baseOptions(false);
    options.layout = { improvedLayout: false };
    options.physics = false;
    options.interaction.hideEdgesOnZoom = false;
    network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
    var pending = false;
    network.on("zoom", function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; restyle(); });
    });

    function openGroup(g) {
      chains[g].forEach(function (h) { open[h] = 1; });
      rebuild();
      var ids = [], seen = {};
      for (var i = 0; i < nNodes; i++) {
        var r = rep[i];
        if (r !== HIDDEN && !seen[r] && chains[N.group[i]].indexOf(g) >= 0) { seen[r] = true; ids.push(r); }
      }
      if (ids.length) network.fit({ nodes: ids.slice(0, 5000), animation: false });
      restyle();
      return ids.length;
    }
    network.on("click", function (p) {
      if (p.nodes.length === 1 && p.nodes[0] < 0) openGroup(-1 - p.nodes[0]);
    });
    document.getElementById("collapse").addEventListener("click", function () {
      open.fill(0); rebuild(); network.fit({ animation: false }); restyle();
    });
    api.network = network;
    api.nodes = nodes;
    api.edges = edges;
    api.openGroup = openGroup;
    api.groupNamed = function (name) { return G.names.indexOf(name); };
    api.bundles = function () { return bundles.map(function (bd) { return [bd.from, bd.to, bd.count]; }); };
    api.shownTies = function () { return shownTies; };
    api.inside = function () { return Array.prototype.slice.call(inside); };
    return {
      network: network,
      settle: false,
      tip: function (id) {
        if (typeof id === "string") {  // a bundle
          var bd = bundles[Number(id.slice(1))];
          if (!bd) return undefined;
          var rows = ["ties", fmt(bd.count)];
          Object.keys(bd.types).forEach(function (t) { rows.push(t >= 0 ? data.types[t].name : "?", fmt(bd.types[t])); });
          return table(name(bd.from) + " \u2192 " + name(bd.to), rows);
        }
        if (id >= 0) return tooltip(N.ids[id]);
        var g = -1 - id;
        return table(G.names[g], ["actors shown", fmt(members[g]), "in all", fmt(G.sizes[g]),
                                  "ties inside", fmt(inside[g]), "", "click to open"]);
      },
      refresh: rebuild,
      show: function (hits) {
        if (!hits.length) return;
        chains[N.group[hits[0]]].forEach(function (h) { open[h] = 1; });
        rebuild();
        var ids = hits.filter(function (i) { return rep[i] === i; });
        network.selectNodes(ids);
        network.focus(hits[0], { scale: 1.2, animation: false });
        restyle();
      }
    };
    function name(r) { return r < 0 ? G.names[-1 - r] : N.names[r].replace("\n", " / "); }
  }
})();
