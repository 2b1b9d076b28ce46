// 一图: the city housing map. Styles are built from the layer descriptions the server publishes
// (/api/v1/map/layers), so a layer added on the server appears here without changing this file.
import * as maplibregl from "/static/vendor/maplibre-gl/maplibre-gl.mjs";

const el = document.getElementById("map");
const today = el.dataset.today;
let asOf = today;
let layers = [];
let theme = "status";
const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, maxWidth: "280px" });

const tileUrl = (name) => `${location.origin}/tiles/${name}/{z}/{x}/{y}.pbf?as_of=${asOf}`;

async function getJSON(url) {
  const r = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
  if (!r.ok) throw new Error(`${r.status} ${url}`);
  return r.json();
}

function text(tag, value, cls) {
  const n = document.createElement(tag);
  n.textContent = value;
  if (cls) n.className = cls;
  return n;
}

function attribute(layerName, attrName) {
  const layer = layers.find((l) => l.name === layerName);
  return layer ? layer.attributes.find((a) => a.name === attrName) : undefined;
}

// A MapLibre colour expression for a thematic attribute of the buildings layer.
function colourFor(attr) {
  if (!attr) return "#9fd8a8";
  if (attr.type === "category" && attr.categories && attr.categories.length) {
    const expr = ["match", ["to-string", ["get", attr.name]]];
    for (const c of attr.categories) expr.push(String(c.value), c.colour);
    expr.push("#cccccc");
    return expr;
  }
  // Numbers: the layer publishes class breaks; the page gives each class a colour of one palette.
  const stops = attr.stops && attr.stops.length ? attr.stops : [0];
  const expr = ["step", ["to-number", ["get", attr.name], 0], PALETTE[0]];
  stops.slice(1).forEach((v, i) => expr.push(v, PALETTE[Math.min(i + 1, PALETTE.length - 1)]));
  return expr;
}

const PALETTE = ["#fff7bc", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04"];

function drawLegend(title, rows) {
  const box = document.getElementById("legend");
  box.replaceChildren(text("strong", title));
  for (const [colour, label] of rows) {
    const row = text("div", "", "row");
    const sw = text("span", "", "sw");
    sw.style.background = colour;
    row.append(sw, text("span", label));
    box.append(row);
  }
}

function themeLegend() {
  const attr = attribute("buildings", theme);
  if (!attr) return;
  if (attr.type === "category") drawLegend(attr.label, (attr.categories || []).map((c) => [c.colour, c.label]));
  else drawLegend(attr.label, (attr.stops || []).map((v, i) => [PALETTE[Math.min(i, PALETTE.length - 1)], `≥ ${v}`]));
}

function applyTheme() {
  if (map.getLayer("buildings-fill")) map.setPaintProperty("buildings-fill", "fill-color", colourFor(attribute("buildings", theme)));
  if (map.getLayer("buildings-point")) map.setPaintProperty("buildings-point", "circle-color", colourFor(attribute("buildings", theme)));
  themeLegend();
}

const map = new maplibregl.Map({
  container: "map",
  center: el.dataset.center.split(",").map(Number),
  zoom: Number(el.dataset.zoom),
  maxZoom: 19,
  canvasContextAttributes: { preserveDrawingBuffer: true },
  attributionControl: false,
  style: { version: 8, sources: {}, layers: [{ id: "background", type: "background", paint: { "background-color": "#f4f1ea" } }] },
});
window.anjuMap = map;
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");

function addLayers() {
  for (const layer of layers) {
    map.addSource(layer.name, {
      type: "vector",
      tiles: [tileUrl(layer.name)],
      minzoom: layer.minzoom,
      maxzoom: Math.min(layer.maxzoom, 16),
    });
  }
  const has = (n) => layers.some((l) => l.name === n);
  if (has("districts")) {
    map.addLayer({ id: "districts-fill", type: "fill", source: "districts", "source-layer": "districts", paint: { "fill-color": "#ffffff", "fill-opacity": 0.35 } });
    map.addLayer({ id: "districts-line", type: "line", source: "districts", "source-layer": "districts", paint: { "line-color": "#5b6673", "line-width": 1.6 } });
  }
  if (has("streets")) {
    map.addLayer({ id: "streets-fill", type: "fill", source: "streets", "source-layer": "streets", minzoom: 9, paint: { "fill-color": "rgba(0,0,0,0)" } });
    map.addLayer({ id: "streets-line", type: "line", source: "streets", "source-layer": "streets", minzoom: 9, paint: { "line-color": "#8a94a0", "line-width": 0.8, "line-dasharray": [2, 2] } });
  }
  if (has("estates")) {
    map.addLayer({ id: "estates-point", type: "circle", source: "estates", "source-layer": "estates", minzoom: 13, maxzoom: 16, paint: { "circle-radius": 4, "circle-color": "#b3261e", "circle-opacity": 0.7 } });
  }
  if (has("buildings")) {
    map.addLayer({ id: "buildings-fill", type: "fill", source: "buildings", "source-layer": "buildings", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": colourFor(attribute("buildings", theme)), "fill-outline-color": "#44505c" } });
    map.addLayer({ id: "buildings-point", type: "circle", source: "buildings", "source-layer": "buildings", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 3, "circle-color": colourFor(attribute("buildings", theme)) } });
  }
  // Layers the page has no special drawing for (the contexts' layers: renewal, safety, estates coverage,
  // the street choropleths) are styled by their first attribute with categories or class breaks (a
  // plain colour when none); a choropleth (polygons graded by a number) starts hidden: they overlap.
  for (const layer of layers.filter((l) => !CORE_LAYERS.includes(l.name))) {
    const type = layer.kind === "point" ? "circle" : layer.kind === "line" ? "line" : "fill";
    const styled = layer.attributes.find((a) => (a.categories && a.categories.length) || (a.stops && a.stops.length));
    const colour = styled ? colourFor(styled) : "#6a3d9a";
    const paint = type === "circle" ? { "circle-radius": 4, "circle-color": colour } : type === "line" ? { "line-color": colour } : { "fill-color": colour, "fill-opacity": styled ? 0.6 : 0.4 };
    const layout = hiddenAtFirst(layer) ? { visibility: "none" } : {};
    map.addLayer({ id: `${layer.name}-${type}`, type, source: layer.name, "source-layer": layer.name, paint, layout });
  }
}

const CORE_LAYERS = ["districts", "streets", "estates", "buildings"];

function hiddenAtFirst(layer) {
  return !CORE_LAYERS.includes(layer.name) && layer.kind === "polygon" && layer.attributes.some((a) => a.stops && a.stops.length);
}

function layerToggles() {
  const box = document.getElementById("layer-toggles");
  for (const layer of layers) {
    const label = document.createElement("label");
    const box1 = document.createElement("input");
    box1.type = "checkbox";
    box1.checked = !hiddenAtFirst(layer);
    box1.dataset.layer = layer.name;
    box1.addEventListener("change", () => {
      for (const l of map.getStyle().layers.filter((x) => x.source === layer.name)) {
        map.setLayoutProperty(l.id, "visibility", box1.checked ? "visible" : "none");
      }
    });
    label.append(box1, text("span", layer.title));
    box.append(label);
  }
  const select = document.getElementById("theme");
  const buildings = layers.find((l) => l.name === "buildings");
  for (const a of buildings ? buildings.attributes.filter((a) => a.type !== "text" && !["id"].includes(a.name)) : []) {
    const o = text("option", a.label);
    o.value = a.name;
    if (a.name === theme) o.selected = true;
    select.append(o);
  }
  select.addEventListener("change", () => { theme = select.value; applyTheme(); });
}

function hover(layerId) {
  map.on("mousemove", layerId, (e) => {
    const f = e.features && e.features[0];
    if (!f) return;
    map.getCanvas().style.cursor = "pointer";
    const p = f.properties;
    const box = document.createElement("div");
    box.append(text("strong", p.name || p.house_code || ""));
    const attrs = (layers.find((l) => l.name === f.sourceLayer) || { attributes: [] }).attributes;
    for (const a of attrs) {
      if (p[a.name] === undefined || a.name === "id" || a.name === "name") continue;
      const cat = (a.categories || []).find((c) => String(c.value) === String(p[a.name]));
      box.append(text("div", `${a.label}：${cat ? cat.label : p[a.name]}`));
    }
    popup.setLngLat(e.lngLat).setDOMContent(box).addTo(map);
  });
  map.on("mouseleave", layerId, () => { map.getCanvas().style.cursor = ""; popup.remove(); });
}

async function showSummary(code) {
  const box = document.getElementById("summary");
  try {
    const s = await getJSON(`/api/v1/map/summary/${encodeURIComponent(code)}`);
    box.replaceChildren(text("h2", s.name));
    box.append(text("p", `${s.level === "street" ? "街道" : "区"} · 代码 ${code}`, "muted small"));
    for (const [k, label] of [["estates", "小区/楼盘"], ["buildings", "幢"], ["homes", "户"]]) {
      if (s[k] !== undefined) box.append(text("div", `${label}：${Number(s[k]).toLocaleString("zh-CN")}`));
    }
    // homes_by_status is a list of {status, homes} in the register's order of the life cycle
    for (const item of s.homes_by_status || []) {
      box.append(text("div", `　${item.status}：${Number(item.homes).toLocaleString("zh-CN")} 户`, "small"));
    }
  } catch (err) {
    box.replaceChildren(text("p", "无法读取该区划的汇总（可能不在您的管辖范围内）。", "error"));
  }
}

async function choropleth(figure) {
  if (!map.getLayer("streets-fill")) return;
  if (!figure) {
    map.setPaintProperty("streets-fill", "fill-color", "rgba(0,0,0,0)");
    themeLegend();
    return;
  }
  const data = await getJSON(`/api/v1/map/streets/figures?figure=${figure}`);
  const palette = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];
  const lo = data.min ?? 0;
  const hi = data.max ?? 1;
  const step = (hi - lo) / palette.length || 1;
  const expr = ["match", ["get", "code"]];
  for (const item of data.items) {
    expr.push(item.code, palette[Math.min(palette.length - 1, Math.floor((item.value - lo) / step))]);
  }
  expr.push("rgba(0,0,0,0)");
  map.setPaintProperty("streets-fill", "fill-color", data.items.length ? expr : "rgba(0,0,0,0)");
  map.setPaintProperty("streets-fill", "fill-opacity", 0.6);
  const label = document.querySelector(`#choropleth option[value="${figure}"]`).textContent;
  drawLegend(`街道${label}`, palette.map((c, i) => [c, `${Math.round(lo + i * step).toLocaleString("zh-CN")} 起`]));
}

function setAsOf(day) {
  asOf = day;
  document.getElementById("as-of").value = day;
  document.getElementById("as-of-label").textContent = `楼盘表状态：截至 ${day}`;
  for (const layer of layers) {
    const src = map.getSource(layer.name);
    if (src && src.setTiles) src.setTiles([tileUrl(layer.name)]);
  }
}

map.on("load", async () => {
  try {
    layers = await getJSON("/api/v1/map/layers");
  } catch (err) {
    document.getElementById("summary").replaceChildren(text("p", "地图图层加载失败，请刷新重试。", "error"));
    return;
  }
  addLayers();
  layerToggles();
  applyTheme();
  hover("buildings-fill");
  hover("buildings-point");
  hover("estates-point");
  for (const id of ["buildings-fill", "buildings-point"]) {
    map.on("click", id, (e) => {
      const f = e.features && e.features[0];
      if (f && f.properties.id) window.location.href = `/buildings/${f.properties.id}?as_of=${asOf}`;
    });
  }
  map.on("click", (e) => {
    if (map.queryRenderedFeatures(e.point, { layers: ["buildings-fill", "buildings-point"].filter((l) => map.getLayer(l)) }).length) return;
    const zones = map.queryRenderedFeatures(e.point, { layers: ["streets-fill", "districts-fill"].filter((l) => map.getLayer(l)) });
    if (zones.length) showSummary(zones[0].properties.code);
  });
  document.body.dataset.mapReady = "1";
});

document.getElementById("choropleth").addEventListener("change", (e) => choropleth(e.target.value));
document.getElementById("as-of").addEventListener("change", (e) => { if (e.target.value) setAsOf(e.target.value); });
document.getElementById("as-of-year").addEventListener("input", (e) => {
  const year = e.target.value;
  setAsOf(year === today.slice(0, 4) ? today : `${year}-12-31`);
});
document.getElementById("export-png").addEventListener("click", () => {
  const a = document.createElement("a");
  a.href = map.getCanvas().toDataURL("image/png");
  a.download = `anju-map-${asOf}.png`;
  a.click();
});
document.getElementById("locate").addEventListener("submit", async (e) => {
  e.preventDefault();
  const q = document.getElementById("locate-q").value.trim();
  const msg = document.getElementById("locate-msg");
  if (!q) return;
  try {
    const found = await getJSON(`/api/v1/map/locate?q=${encodeURIComponent(q)}`);
    const hit = found.find((f) => f.lon !== null && f.lat !== null);
    if (!hit) { msg.textContent = "没有找到该地址或房屋代码。"; return; }
    msg.textContent = hit.address || hit.house_code;
    map.flyTo({ center: [hit.lon, hit.lat], zoom: 17 });
  } catch (err) {
    msg.textContent = "查询失败，请检查输入。";
  }
});
