// sim serve: the workbench page. Draws what the server answers; every computation is
// done by the server (sim/serve/*.py). No request leaves this machine.
"use strict";

const T = {
  zh: {
    title: "长江中游城市群 · 规划工作台", scenario: "情景", base: "对比基准", share: "分享链接",
    save: "另存为情景", download: "下载 OD 表", gpkg: "GeoPackage", buildout: "建设方案", year: "年份（年末建成）",
    "toggle-hint": "勾选项目加入或移出路网；灰色为互斥或缺少前提的项目。",
    verdicts: "目标判定", changes: "相对基准的变化", targets_h: "各项目标（两种判读）", failures: "故障（切断）",
    "cut-hint": "在地图上点击线路即可切断该区段，查看哪些目标失效。",
    met: "达成", close: "接近", not_met: "未达成", not_yet_due: "未到期",
    door_to_door: "门到门", timetable: "时刻表（站到站）", coverage: "覆盖",
    modelled_run: "模型运行时间（站到站；货运无公布时刻表）",
    default_speed: "速度未知，按该方式默认速度计",
    headline: "主判读", other: "另一判读", pairs: "城市对", gap: "差距", line: "控制线路",
    failing: "未达成的城市对", open: "已通车", construction: "在建", planned: "规划",
    expected_note: "数据截至 {end} 年；之后的年份含预计在该年前通车的在建项目。",
    built_note: "{year} 年末已建成的路网。", cost: "投资", unknown: "不详",
    no_changes: "与基准相同。", newly_met: "新达成", newly_missed: "新失效", faster: "变快最多的城市对",
    slower: "变慢的城市对", links_added: "新增线路段", links_removed: "移除线路段",
    cut_link: "切断此线路段", cut_section: "切断整个区段", restore: "恢复",
    no_cuts: "未切断任何线路。", from_city: "从 {city} 出发", profile: "出行方式",
    rail: "铁路", road: "公路", passenger: "综合客运", freight: "货运", minutes: "分钟",
    within: "{h} 小时内", beyond: "超过 3 小时", unreachable: "不可达", city_hint: "点击城市查看其到各城市的时间。",
    updated: "{ms} ms（服务器 {server} ms）", copied: "链接已复制：", saved: "已保存：", run_it: "命令行运行：",
    save_prompt: "情景名称（小写字母、数字或 -）：", ok: "确定", cancel: "取消", needed_by: "被依赖：",
    summary: "区域内城市对（门到门铁路）：{h1} 个在 1 小时内，{h2} 个在 2 小时内，共 {n} 对。",
    targets_changed: "目标变化", passed: "通过",
    partial: "部分", mode_hsr: "高铁", mode_intercity: "城际", mode_conventional: "普速铁路",
    mode_expressway: "高速公路", mode_waterway: "水运", mode_air: "航空", not_in_network: "不在当前路网", off_construction: "在建（未计入）", off_planned: "规划（未计入）", off_open: "已通车但不在此路网",
    in_network: "在当前路网", section: "区段", source: "来源", speed: "速度", opened: "开通",
    no_geo: "需要安装 geo 扩展（pip install -e \".[geo]\"）", warnings: "注意",
    gpkg_title: "下载当前视图的图层（城市及指标、站点、各方式线路；选中城市时含等时圈）",
    reading_shown: "地图显示：", lost: "{n} 个城市对失去连通", delta_base: "相对基准（分钟）",
    isochrones: "等时圈（门到门）", isochrone_note: "等时圈：到达的站点、高速出入口和市中心周围，以 {v} km/h 直线速度在剩余时间内可及的范围（先扣 {f} 分钟）。",
    preparing: "正在生成 GeoPackage（完整计算该情景，约需数秒）…",
    chord_faster: "变快最多的城市对", chord_slower: "变慢最多的城市对", chord_met: "新达成的城市对", chord_missed: "新失效的城市对",
    due: "{year} 年到期", due_would: "（{year} 年到期；届时按现状应为：{verdict}）", headline: "主判读", n_close: "{n} 对接近",
    failing_or_close: "未达成 {n} 对 · 接近 {m} 对", ports: "个港口", cities: "个城市", missing: "缺：",
    length: "数据中铁路 {km} 公里，目标 {target} 公里", length_lower: "数据中铁路至少 {km} 公里，目标 {target} 公里",
    lower_bound_note: "数据未包含全部线路：不足目标不能说明未达成（无法判定）。", undetermined: "无法判定",
    close_note: "“接近”：与阈值之差在模型实测误差之内（铁路 {rail} 分钟，公路 {road} 分钟，calibration.toml）；达成与否不变。",
    no_close: "路网目录中没有 calibration.toml：不标注“接近”。",
    provinces: "省界", rivers: "河流、湖泊", year_unknown: "年份不详", timetable_short: "时刻表", same_base: "{s} · {year} 年原样",
  },
  en: {
    title: "Middle Yangtze · planning workbench", scenario: "Scenario", base: "Compare with", share: "Share link",
    save: "Save as scenario", download: "OD table (CSV)", gpkg: "GeoPackage", buildout: "Build-out",
    year: "Year (network at the end of)",
    "toggle-hint": "Tick a project to add it to the network or untick to remove it; greyed projects exclude or need another.",
    verdicts: "Verdicts", changes: "What changed against the base", targets_h: "Every target, both readings", failures: "Failures (cuts)",
    "cut-hint": "Click a link on the map to cut it (or its whole section) and see which targets break.",
    met: "met", close: "close", not_met: "not met", not_yet_due: "not yet due",
    door_to_door: "door to door", timetable: "timetable (station to station)", coverage: "coverage",
    modelled_run: "modelled run (station to station; freight keeps no published timetable)",
    default_speed: "speed unknown, run at the mode's default",
    headline: "headline", other: "other reading", pairs: "pairs", gap: "gap", line: "binding line",
    failing: "pairs not met", open: "open", construction: "under construction", planned: "planned",
    expected_note: "Data current to {end}; later years add projects under construction expected open by then.",
    built_note: "The network as built at the end of {year}.", cost: "cost", unknown: "unknown",
    no_changes: "Same as the base.", newly_met: "newly met", newly_missed: "newly missed", faster: "pairs faster by most",
    slower: "pairs slower", links_added: "links added", links_removed: "links removed",
    cut_link: "Cut this link", cut_section: "Cut the whole section", restore: "Restore",
    no_cuts: "No link cut.", from_city: "From {city}", profile: "profile",
    rail: "rail", road: "road", passenger: "passenger", freight: "freight", minutes: "min",
    within: "within {h} h", beyond: "over 3 h", unreachable: "unreachable", city_hint: "Click a city for its times to every city.",
    updated: "{ms} ms (server {server} ms)", copied: "Link copied: ", saved: "Saved: ", run_it: "Run it with: ",
    save_prompt: "Scenario name (lowercase letters, digits or -):", ok: "OK", cancel: "Cancel", needed_by: "needed by ",
    summary: "Regional city pairs (rail, door to door): {h1} within 1 h, {h2} within 2 h, of {n}.",
    targets_changed: "targets", passed: "passed",
    partial: "partly", mode_hsr: "high-speed rail", mode_intercity: "intercity rail", mode_conventional: "conventional rail",
    mode_expressway: "expressway", mode_waterway: "waterway", mode_air: "air", not_in_network: "not in this network", off_construction: "under construction, not in", off_planned: "planned, not in", off_open: "open, not in this network",
    in_network: "in this network", section: "section", source: "source", speed: "speed", opened: "opened",
    no_geo: "needs the geo extra (pip install -e \".[geo]\")", warnings: "Note",
    gpkg_title: "Download the view's layers (cities with indicators, terminals, links by mode; with a city selected, its isochrones)",
    reading_shown: "Map shows: ", lost: "{n} pairs disconnected", delta_base: "Δ vs base (min)",
    isochrones: "isochrones (door to door)", isochrone_note: "Isochrones: the area within reach of the stations, expressway exits and centres reached, at {v} km/h as the crow flies for the time left (after {f} min).",
    preparing: "Preparing the GeoPackage (the scenario is evaluated in full: a few seconds)…",
    chord_faster: "pairs faster by most", chord_slower: "pairs slower by most", chord_met: "pairs newly met", chord_missed: "pairs newly missed",
    due: "due {year}", due_would: "(due {year}; as the network stands: {verdict})", headline: "headline", n_close: "{n} close",
    failing_or_close: "not met: {n} · close: {m}", ports: "ports", cities: "cities", missing: "missing: ",
    length: "{km} km of railway in the data, target {target} km", length_lower: "at least {km} km of railway in the data, target {target} km",
    lower_bound_note: "The data does not hold every line: a length short of the target proves nothing (undetermined).", undetermined: "undetermined",
    close_note: "close: within the model's measured error of the threshold (rail {rail} min, road {road} min: calibration.toml); the pass or fail stands.",
    no_close: "No calibration.toml in the network folder: close calls are not labelled.",
    provinces: "province borders", rivers: "rivers and lakes", year_unknown: "year unknown", timetable_short: "timetable", same_base: "{s} {year}, as is",
  },
};
const MODE_COLOUR = { hsr: "#d62728", intercity: "#ff7f0e", conventional: "#7f7f7f", expressway: "#2ca02c", waterway: "#1f77b4", air: "#9467bd" };
const MODE_WIDTH = { hsr: 2.4, intercity: 1.8, conventional: 1.4, expressway: 1.1, waterway: 1.6, air: 0.7 };
const BANDS = [[60, "#1a9850"], [120, "#91cf60"], [180, "#fee08b"], [Infinity, "#fc8d59"]];
const SVGNS = "http://www.w3.org/2000/svg";

const app = {
  meta: null, lang: "zh", state: null, data: null, city: null, cityData: null, profile: "rail",
  reading: "door_to_door", base: "", controller: null, cityController: null, timings: [], sort: "door_to_door",
  active: new Set(),
};
window.__sim = app;

function t(key, vars) {
  let s = (T[app.lang] && T[app.lang][key]) || T.en[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace(`{${k}}`, v);
  return s;
}
function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
function el(id) { return document.getElementById(id); }
function cityName(id) {
  const n = app.meta.names[id];
  return n ? (app.lang === "zh" ? n[0] : n[1]) : id;
}
function fmt(x) { return x === null || x === undefined ? "—" : Math.round(x).toString(); }
// The Chinese title of a target: the plan's own words, quoted after a colon in its source
// (the first such quote), else the English title.
function zhTitle(v) {
  if (app.lang !== "zh") return v.title;
  for (const part of (v.source || "").split(/[;；]/)) {
    const m = /[:：]\s*(.*[\u4e00-\u9fff].*)$/.exec(part);
    if (m) return m[1].trim();
  }
  return v.title;
}

// ------------------------------------------------------------------ state and URL
function stateQuery(state) {
  const q = new URLSearchParams();
  q.set("scenario", state.scenario);
  q.set("year", state.year);
  if (state.add.length) q.set("add", [...state.add].sort().join(","));
  if (state.drop.length) q.set("drop", [...state.drop].sort().join(","));
  if (state.cut.length) q.set("cut", [...state.cut].sort().join(","));
  return q;
}
function fromQuery(q) {
  const list = (k) => (q.get(k) || "").split(",").filter(Boolean);
  const scenario = q.get("scenario") || app.meta.default.scenario;
  const own = (app.meta.scenarios.find((s) => s.id === scenario) || {}).year;
  return {
    scenario,
    year: q.get("year") || own || app.meta.data_end,  // a link without a year: the scenario's own
    add: list("add"), drop: list("drop"), cut: list("cut"),
  };
}
function writeURL() {
  const q = stateQuery(app.state);
  if (app.base) q.set("base", app.base);
  if (app.city) q.set("city", app.city);
  if (app.profile !== "rail") q.set("profile", app.profile);
  if (app.reading !== "door_to_door") q.set("reading", app.reading);
  q.set("lang", app.lang);
  history.replaceState(null, "", "?" + q.toString());
}

async function getJSON(url, signal) {
  const r = await fetch(url, { signal });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}
function showError(message) {
  const box = el("error");
  box.textContent = message || "";
  box.hidden = !message;
}

async function refresh() {
  const started = performance.now();
  if (app.controller) app.controller.abort();
  const controller = new AbortController();
  app.controller = controller;
  const q = stateQuery(app.state);
  if (app.base) q.set("base", app.base);
  let data;
  try {
    const jobs = [getJSON("/api/state?" + q.toString(), controller.signal)];
    if (app.city) jobs.push(fetchCity(controller.signal));
    [data] = await Promise.all(jobs);
  } catch (err) {
    if (err.name === "AbortError") return;
    showError(err.message);
    if (app.data) {  // back to the last view answered: boxes and cuts as they were
      app.state = fromQuery(new URLSearchParams(app.data.state));
      renderProjects();
      renderCuts();
    }
    return;
  }
  showError("");
  app.data = data;
  app.state = fromQuery(new URLSearchParams(data.state));
  writeURL();
  render();
  loadIsochrones();
  await new Promise((done) => requestAnimationFrame(() => done()));
  const ms = performance.now() - started;
  app.timings.push({ ms, server: data.total_ms });
  el("timing").textContent = t("updated", { ms: ms.toFixed(0), server: data.total_ms.toFixed(0) });
}

async function fetchCity(signal) {
  const q = stateQuery(app.state);
  if (app.base) q.set("base", app.base);
  q.set("city", app.city);
  q.set("profile", app.profile);
  app.cityData = await getJSON("/api/city?" + q.toString(), signal);
  return app.cityData;
}

// ------------------------------------------------------------------ rendering
function render() {
  if (app.renderedLang !== app.lang) {  // the page's fixed texts change with the language only
    app.renderedLang = app.lang;
    document.documentElement.lang = app.lang === "zh" ? "zh-CN" : "en";
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    el("lang").textContent = app.lang === "zh" ? "EN" : "中文";
    el("gpkg").disabled = !app.meta.geopackage;
    el("gpkg").title = app.meta.geopackage ? t("gpkg_title") : t("no_geo");
  }
  renderControls();
  renderProjects();
  renderMap();
  renderVerdicts();
  renderChanges();
  renderCuts();
  renderCity();
}

function renderControls() {
  const pick = (select, withEmpty) => {
    const value = select === el("scenario") ? app.state.scenario : app.base;
    setHTML(select, (withEmpty ? `<option value="">${esc(t("same_base", { s: app.state.scenario, year: app.state.year }))}</option>` : "") +
      app.meta.scenarios.map((s) => `<option value="${esc(s.id)}">${esc(s.id)}${s.year ? " (" + s.year + ")" : ""}</option>`).join(""));
    select.value = value;
    select.title = (app.meta.scenarios.find((s) => s.id === value) || {}).description || "";
  };
  pick(el("scenario"), false);
  pick(el("base"), true);
  const year = el("year");
  year.min = app.meta.years[0];
  year.max = app.meta.years[1];
  year.value = app.state.year;
  el("year-value").textContent = app.state.year;
  el("year-note").textContent = app.data.expected ? t("expected_note", { end: app.meta.data_end }) : t("built_note", { year: app.state.year });
  const q = stateQuery(app.state);
  q.set("profile", app.profile);
  el("download").href = "/api/od.csv?" + q.toString();
}

function projectFacts(p) {
  const years = p.first_year ? (p.first_year === p.last_year || !p.last_year ? p.first_year : `${p.first_year}–${p.last_year}`) : t("year_unknown");
  // 1 亿元 = 100 million yuan: English shows billions
  const amount = app.lang === "zh" ? `${p.cost_yi_yuan} 亿元` : `¥${(p.cost_yi_yuan / 10).toFixed(1)} bn`;
  const cost = p.cost_yi_yuan ? `${amount}${p.cost_year ? " (" + p.cost_year + ")" : ""}` : t("unknown");
  return `${esc(p.lines.join(" · "))} · ${esc(years)} · ${t("cost")} ${esc(cost)}`;
}

// The list is built once per language; an answer only updates each project's box, classes
// and reasons (a rebuild of every row per click costs more than the answer itself).
const listed = { lang: "", rows: new Map() };
function buildProjects() {
  const groups = { construction: [], planned: [], open: [] };
  for (const p of app.meta.projects) (groups[p.status] || groups.open).push(p);
  groups.open.sort((a, b) => (b.last_year || 0) - (a.last_year || 0));
  let html = "";
  for (const status of ["construction", "planned", "open"]) {
    if (!groups[status].length) continue;
    html += `<div class="group-title">${esc(t(status))} (${groups[status].length})</div>`;
    for (const p of groups[status]) {
      const name = app.lang === "zh" ? p.zh : p.en;
      const tip = `${p.id}\n${t("source")}: ${p.source}${p.cost_source ? "\n" + t("cost") + ": " + p.cost_source : ""}${p.plan ? "\n" + p.plan : ""}`;
      html += `<label class="project" title="${esc(tip)}" data-project="${esc(p.id)}">
        <input type="checkbox" data-project="${esc(p.id)}">
        <span class="name">${esc(name)}<span class="badge ${esc(p.status)}">${esc(t(p.status))}</span><span class="badge partial" hidden>${t("partial")}</span></span>
        <span class="facts">${projectFacts(p)}</span>
        <span class="why" hidden></span>
      </label>`;
    }
  }
  el("projects").innerHTML = html;
  listed.rows.clear();
  for (const label of el("projects").querySelectorAll("label.project")) {
    listed.rows.set(label.dataset.project, {
      label, box: label.querySelector("input"), partial: label.querySelector(".partial"), why: label.querySelector(".why"), last: "",
    });
  }
  listed.lang = app.lang;
}
function renderProjects() {
  if (listed.lang !== app.lang) buildProjects();
  const states = app.data.projects;
  for (const [id, row] of listed.rows) {
    const s = states[id] || {};
    const blocked = Boolean(s.blocked && s.on !== true);
    const changed = s.available && (s.on === true) !== s.default;
    const why = blocked ? s.blocked : s.needed_by ? t("needed_by") + s.needed_by.join(", ") : "";
    row.box.checked = s.on === true;  // always: a click the server refused leaves the box as it was
    const key = `${s.on}|${blocked}|${changed}|${s.available}|${why}`;
    if (key === row.last) continue;
    row.last = key;
    row.label.className = `project${blocked ? " blocked" : ""}${changed ? " changed" : ""}`;
    row.box.disabled = blocked || !s.available;
    row.partial.hidden = s.on !== "partial";
    row.why.hidden = !why;
    row.why.textContent = why;
  }
}

function toggleProject(id, on) {
  const s = app.data.projects[id];
  const add = new Set(app.state.add), drop = new Set(app.state.drop);
  add.delete(id); drop.delete(id);
  if (on && !s.default) add.add(id);
  if (!on && s.default) drop.add(id);
  app.state.add = [...add];
  app.state.drop = [...drop];
  refresh();
}

// ------------------------------------------------------------------ map
const view = { w: 1000, h: 800, x0: 0, x1: 1, y0: 0, y1: 1, k: 1, pad: 26 };
// the map's size, kept by a ResizeObserver: reading it on each answer would force a layout
const mapSize = { w: 0, h: 0 };
function measureMap() {
  const box = el("map").getBoundingClientRect();
  mapSize.w = Math.round(box.width);
  mapSize.h = Math.round(box.height);
}
function setupProjection() {
  if (!mapSize.w) measureMap();
  view.w = Math.max(mapSize.w, 300);
  view.h = Math.max(mapSize.h, 300);
  const regional = app.meta.cities.filter((c) => c.plan_status !== "external");
  const lons = regional.map((c) => c.lon), lats = regional.map((c) => c.lat);
  let x0 = Math.min(...lons) - 0.5, x1 = Math.max(...lons) + 0.5, y0 = Math.min(...lats) - 0.4, y1 = Math.max(...lats) + 0.4;
  const lat0 = ((y0 + y1) / 2) * Math.PI / 180;
  const kx = Math.cos(lat0);
  const k = Math.min((view.w - 2 * view.pad) / ((x1 - x0) * kx), (view.h - 2 * view.pad) / (y1 - y0));
  Object.assign(view, { x0, x1, y0, y1, kx, k });
  view.ox = (view.w - (x1 - x0) * kx * k) / 2;
  view.oy = (view.h - (y1 - y0) * k) / 2;
}
function project(lon, lat) {
  return [view.ox + (lon - view.x0) * view.kx * view.k, view.oy + (view.y1 - lat) * view.k];
}
// a place outside the frame is drawn on the frame's edge, in its direction
function place(lonlat) {
  let [x, y] = project(lonlat[0], lonlat[1]);
  const left = view.ox, right = view.w - view.ox, top = view.oy, bottom = view.h - view.oy;
  if (x >= left && x <= right && y >= top && y <= bottom) return [x, y, false];
  const cx = (left + right) / 2, cy = (top + bottom) / 2;
  const dx = x - cx, dy = y - cy;
  const s = Math.min(Math.abs((dx > 0 ? right - 6 - cx : left + 6 - cx) / (dx || 1e-9)), Math.abs((dy > 0 ? bottom - 6 - cy : top + 6 - cy) / (dy || 1e-9)));
  return [cx + dx * s, cy + dy * s, true];
}
function svg(tag, attrs, parent) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function bandColour(minutes) {
  if (minutes === null || minutes === undefined) return "#bbbbbb";
  for (const [limit, colour] of BANDS) if (minutes <= limit) return colour;
  return "#bbbbbb";
}

// The map is built once (and again on a resize or a change of language); an answer only
// changes classes, fills and a few highlight paths, so a click redraws little.
const drawn = { key: "", links: new Map(), cities: new Map(), labels: new Map(), groups: null };

function buildMap() {
  const map = el("map"), base = el("basemap");
  setupProjection();
  for (const node of [map, base]) {
    node.setAttribute("viewBox", `0 0 ${view.w} ${view.h}`);
    node.innerHTML = "";
  }
  drawn.links.clear(); drawn.cities.clear(); drawn.labels.clear();
  const frame = { x: view.ox, y: view.oy, width: view.w - 2 * view.ox, height: view.h - 2 * view.oy };
  svg("rect", { class: "frame", ...frame }, base);
  for (const [node, id] of [[base, "frame-clip-base"], [map, "frame-clip"]]) {
    svg("rect", frame, svg("clipPath", { id }, svg("defs", {}, node)));
  }
  // the map background, in its own layer: provinces (the region's three filled), lakes, rivers
  const gBack = svg("g", { "clip-path": "url(#frame-clip-base)" }, base);
  const ringPath = (ring, close) => "M" + ring.map((q) => project(q[0], q[1]).map((v) => v.toFixed(1)).join(",")).join("L") + (close ? "Z" : "");
  const regional = new Set(app.meta.cities.filter((c) => c.plan_status === "in-plan").map((c) => c.province));
  for (const f of app.meta.background || []) {
    const line = f.kind === "river";
    const d = f.parts.map((rings) => rings.map((r) => ringPath(r, !line)).join("")).join("");
    const cls = f.kind === "province" ? `province${regional.has(f.id) ? " region" : ""}` : f.kind;
    svg("path", { class: cls, d, "fill-rule": "evenodd" }, gBack);
  }
  for (const f of app.meta.background || []) {  // the region's provinces named faintly, well inside
    if (f.kind !== "province" || !regional.has(f.id) || !f.label) continue;
    const [x, y] = project(f.label[0], f.label[1]);
    const text = svg("text", { class: "province-name", x: x.toFixed(1), y: y.toFixed(1), "text-anchor": "middle" }, gBack);
    text.textContent = app.lang === "zh" ? f.zh : f.en;
  }
  const groups = { iso: svg("g", { "clip-path": "url(#frame-clip)" }, map), high: svg("g", {}, map), links: svg("g", {}, map), chords: svg("g", {}, map), cities: svg("g", {}, map), labels: svg("g", {}, map) };
  drawn.groups = groups;
  const order = [...app.meta.links].sort((a, b) => (MODE_WIDTH[a.mode] || 1) - (MODE_WIDTH[b.mode] || 1));
  for (const lk of order) {
    if (!lk.a || !lk.b) continue;
    const a = place(lk.a), b = place(lk.b);
    if (a[2] && b[2]) continue;
    const d = `M${a[0].toFixed(1)},${a[1].toFixed(1)}L${b[0].toFixed(1)},${b[1].toFixed(1)}`;
    const hit = svg("path", { class: "hit", d, "data-link": lk.id }, groups.links);
    const path = svg("path", { class: `link ${lk.mode}`, d, stroke: MODE_COLOUR[lk.mode] || "#444", "data-link": lk.id }, groups.links);
    hit.addEventListener("mousemove", (ev) => showLinkTip(ev, lk, app.active.has(lk.id)));
    hit.addEventListener("mouseleave", hideTip);
    hit.addEventListener("click", (ev) => linkPopup(ev, lk));
    drawn.links.set(lk.id, { lk, d, path, hit });
  }
  const cities = [...app.meta.cities].sort((a, b) => (b.population || 0) - (a.population || 0));
  const placed = [];
  for (const c of cities) {
    const [x, y, outside] = place([c.lon, c.lat]);
    const r = outside ? 4 : 2.5 + 9 * Math.sqrt((c.population || 1e6) / 1e7);
    const idx = app.meta.cities.indexOf(c);
    const node = svg("circle", { class: "city", cx: x.toFixed(1), cy: y.toFixed(1), r: r.toFixed(1), "data-city": c.id }, groups.cities);
    node.addEventListener("mousemove", (ev) => showCityTip(ev, c, idx));
    node.addEventListener("mouseleave", hideTip);
    node.addEventListener("click", () => selectCity(c.id));
    drawn.cities.set(c.id, { c, idx, node, x, y, outside });
    const size = c.population > 5e6 ? 12.5 : 11;
    const label = cityName(c.id) + (outside ? " →" : "");
    const chars = label.length + (outside ? 0 : 4);  // room for the minutes of a choropleth
    const w = chars * (app.lang === "zh" ? size * 0.8 : size * 0.58);
    const spots = [[r + 3, 4, "start"], [-r - 3, 4, "end"], [0, -r - 4, "middle"], [0, r + 12, "middle"]];
    for (const [dx, dy, anchor] of spots) {
      const left = anchor === "start" ? x + dx : anchor === "end" ? x + dx - w : x - w / 2;
      const box = [left, y + dy - size, left + w, y + dy + 2];
      if (placed.some((q) => box[0] < q[2] && q[0] < box[2] && box[1] < q[3] && q[1] < box[3])) continue;
      placed.push(box);
      const text = svg("text", { class: `label${c.population > 5e6 ? " big" : ""}${outside ? " edge-label" : ""}`, x: (x + dx).toFixed(1), y: (y + dy).toFixed(1), "text-anchor": anchor }, groups.labels);
      text.textContent = label;
      drawn.labels.set(c.id, { text, label, outside });
      break;
    }
  }
}

function renderMap() {
  if (!mapSize.w) measureMap();
  const key = `${mapSize.w}x${mapSize.h}:${app.lang}`;
  if (key !== drawn.key) { buildMap(); drawn.key = key; }
  const active = app.active = new Set(app.data.links.active);
  const cut = new Set(app.data.links.cut);
  const added = new Set(app.data.changes.links_added);
  const removed = new Set(app.data.changes.links_removed);
  for (const item of drawn.links.values()) {  // only what changed is written to the DOM
    const { lk, path, hit } = item;
    const on = active.has(lk.id);
    const isCut = cut.has(lk.id);
    const hidden = !on && lk.status === "open" && !isCut && !removed.has(lk.id) && (lk.year || 0) > app.state.year + 15;
    const key = (on ? 1 : 0) + (isCut ? 2 : 0) + (hidden ? 4 : 0);
    if (item.last === key) continue;
    item.last = key;
    path.setAttribute("class", `link ${lk.mode}${on ? "" : ` off ${lk.status}`}${isCut ? " cut" : ""}`);
    path.setAttribute("stroke-width", String(on ? MODE_WIDTH[lk.mode] || 1 : Math.max((MODE_WIDTH[lk.mode] || 1) * 0.7, 0.8)));
    path.style.display = hidden ? "none" : "";
    hit.style.display = hidden ? "none" : "";
  }
  const { high, chords } = drawn.groups;
  high.replaceChildren();
  for (const id of added) {
    const item = drawn.links.get(id);
    if (item) svg("path", { class: "added", d: item.d, "stroke-width": (MODE_WIDTH[item.lk.mode] || 1) + 6 }, high);
  }
  for (const id of removed) {
    const item = drawn.links.get(id);
    if (item && !cut.has(id)) svg("path", { class: "removed", d: item.d }, high);
  }
  chords.replaceChildren();
  const ch = app.data.changes;
  for (const [list, cls] of [[ch.faster.slice(0, 8), "faster"], [ch.slower.slice(0, 8), "slower"], [ch.newly_met, "met"], [ch.newly_missed, "missed"]]) {
    for (const [x, y] of list.slice(0, 40)) {
      const a = drawn.cities.get(x), b = drawn.cities.get(y);
      if (!a || !b) continue;
      const mx = (a.x + b.x) / 2 - (b.y - a.y) * 0.15, my = (a.y + b.y) / 2 + (b.x - a.x) * 0.15;
      svg("path", { class: `chord ${cls}`, d: `M${a.x},${a.y}Q${mx},${my} ${b.x},${b.y}` }, chords);
    }
  }
  renderIsochrones();
  const times = app.cityData && app.city ? app.cityData[app.reading] : null;
  for (const { c, idx, node, outside } of drawn.cities.values()) {
    let fill = c.plan_status === "in-plan" ? "#333" : c.plan_status === "connected" ? "#777" : "#aaa";
    if (times) fill = c.id === app.city ? "#000" : bandColour(times[idx]);
    node.setAttribute("fill", fill);
    node.setAttribute("class", `city${c.id === app.city ? " selected" : ""}`);
    const label = drawn.labels.get(c.id);
    if (label) {
      const minutes = times && c.id !== app.city && times[idx] !== null && !outside ? ` ${fmt(times[idx])}` : "";
      label.text.textContent = label.label + minutes;
    }
  }
  renderLegend(times);
}

// isochrones: asked for after the city's minutes (they take longer), drawn under the links
function isoKey() {
  if (!app.city || app.reading !== "door_to_door") return "";
  const q = stateQuery(app.state);
  q.set("city", app.city);
  q.set("profile", app.profile);
  return q.toString();
}
function loadIsochrones() {
  const key = isoKey();
  if (!key || (app.iso && app.iso.key === key)) { renderIsochrones(); return; }
  if (app.isoController) app.isoController.abort();
  const controller = new AbortController();
  app.isoController = controller;
  getJSON("/api/isochrones?" + key, controller.signal).then((body) => {
    app.iso = { key, body };
    renderIsochrones();
    renderLegend(app.cityData && app.city ? app.cityData[app.reading] : null);
  }).catch((err) => { if (err.name !== "AbortError") showError(err.message); });
}
function renderIsochrones() {
  const group = drawn.groups && drawn.groups.iso;
  if (!group) return;
  const key = isoKey();
  const wanted = key && app.iso && app.iso.key === key ? key + "|" + drawn.key : "";
  if (group.dataset.key === wanted) return;
  group.dataset.key = wanted;
  group.replaceChildren();
  if (!wanted) return;
  const ringPath = (ring) => "M" + ring.map((q) => project(q[0], q[1]).map((v) => v.toFixed(1)).join(",")).join("L") + "Z";
  for (const iso of [...app.iso.body.isochrones].reverse()) {  // the largest first, the smallest on top
    const d = iso.parts.map((rings) => rings.map(ringPath).join("")).join("");
    if (d) svg("path", { class: `iso iso${iso.minutes}`, d, "fill-rule": "evenodd", fill: bandColour(iso.minutes) }, group);
  }
}

function renderLegend(times) {
  // a strip under the map (it never covers it): modes, overlays, then the city's bands
  const line = (colour, width, dash) => `<svg width="22" height="8"><line x1="1" y1="4" x2="21" y2="4" stroke="${colour}" stroke-width="${width}" ${dash ? 'stroke-dasharray="4 3"' : ""}/></svg>`;
  const dot = (colour) => `<svg width="11" height="11"><circle cx="5.5" cy="5.5" r="4.5" fill="${colour}"/></svg>`;
  const item = (mark, text) => `<span class="item">${mark} ${esc(text)}</span>`;
  let modes = "";
  for (const m of ["hsr", "intercity", "conventional", "expressway", "waterway", "air"]) modes += item(line(MODE_COLOUR[m], MODE_WIDTH[m] + 0.5), t("mode_" + m));
  const dashed = (dash) => `<svg width="22" height="8"><line x1="1" y1="4" x2="21" y2="4" stroke="#555" stroke-width="1.5" stroke-dasharray="${dash}"/></svg>`;
  modes += item(dashed("6 3"), t("off_construction")) + item(dashed("2 3"), t("off_planned")) + item(dashed("1 5"), t("off_open"));
  modes += item(line("#000", 2, true), t("failures"));
  modes += item(line("#ffd43b", 6), t("links_added"));
  modes += item(line("#8a96a3", 1), t("provinces")) + item(line("#8fb8de", 2), t("rivers"));
  let over = "";
  const ch = app.data.changes;
  for (const [list, colour, dash, key] of [[ch.newly_met, "#1a7f37", false, "chord_met"], [ch.newly_missed, "#c0392b", true, "chord_missed"], [ch.faster, "#1f5fa8", false, "chord_faster"], [ch.slower, "#d9822b", true, "chord_slower"]]) {
    if (list.length) over += item(line(colour, 1.6, dash), t(key));
  }
  let bands = "";
  if (times) {
    bands += `<b>${esc(t("from_city", { city: cityName(app.city) }))} · ${esc(t(app.reading))}</b>`;
    bands += item(dot(BANDS[0][1]), t("within", { h: 1 })) + item(dot(BANDS[1][1]), t("within", { h: 2 }));
    bands += item(dot(BANDS[2][1]), t("within", { h: 3 })) + item(dot(BANDS[3][1]), t("beyond")) + item(dot("#bbbbbb"), t("unreachable"));
    if (app.reading === "door_to_door" && app.iso && app.iso.key === isoKey()) {
      const b = app.iso.body;
      const swatch = `<svg width="22" height="10"><rect x="1" y="1" width="20" height="8" fill="${BANDS[1][1]}" opacity="0.45"/></svg>`;
      bands += `<span class="item iso-note" title="${esc(t("isochrone_note", { v: b.speed_kmh, f: b.fixed_min }))}">${swatch} ${esc(t("isochrones"))}</span>`;
    }
  } else {
    bands = `<span class="muted">${esc(t("city_hint"))}</span>`;
  }
  setHTML(el("legend"), `<div class="row">${modes}</div>${over ? `<div class="row">${over}</div>` : ""}<div class="row">${bands}</div>`);
}

function tipAt(ev, html) {
  const tip = el("tooltip");
  tip.innerHTML = html;
  tip.hidden = false;
  const box = el("map-wrap").getBoundingClientRect();
  let x = ev.clientX - box.left + 12, y = ev.clientY - box.top + 12;
  if (x + 360 > box.width) x = Math.max(4, x - 380);
  if (y + tip.offsetHeight > box.height) y = Math.max(4, y - tip.offsetHeight - 20);
  tip.style.left = x + "px";
  tip.style.top = y + "px";
}
function hideTip() { el("tooltip").hidden = true; }
function showLinkTip(ev, lk, on) {
  const speed = lk.speed_kmh ? `${lk.speed_kmh} km/h` : lk.minutes ? `${lk.minutes} ${t("minutes")}` : t("unknown");
  const src = lk.source.length > 240 ? lk.source.slice(0, 240) + "…" : lk.source;
  tipAt(ev, `<b>${esc(lk.line)}</b> · ${esc(t("mode_" + lk.mode))}<br>${esc(cityName(lk.from))} – ${esc(cityName(lk.to))}${lk.km ? " · " + lk.km + " km" : ""}<br>
    ${esc(t("speed"))}: ${esc(speed)} · ${esc(t("opened"))}: ${esc(lk.year || t("unknown"))} · ${esc(t(lk.status))}<br>
    <i>${esc(on ? t("in_network") : t("not_in_network"))}</i><br><span class="muted small">${esc(t("source"))}: ${esc(src)}</span>`);
}
function showCityTip(ev, c, idx) {
  let html = `<b>${esc(cityName(c.id))}</b> · ${c.population ? (c.population / 1e4).toFixed(0) + (app.lang === "zh" ? " 万人" : "0k people") : ""}`;
  if (app.cityData && app.city && c.id !== app.city) {
    html += `<br>${esc(t("door_to_door"))}: ${fmt(app.cityData.door_to_door[idx])} ${t("minutes")} · ${esc(t("timetable"))}: ${fmt(app.cityData.timetable[idx])} ${t("minutes")}`;
  }
  tipAt(ev, html);
}

function linkPopup(ev, lk) {
  ev.stopPropagation();
  hideTip();
  const pop = el("popup");
  const isCut = app.state.cut.includes(lk.cut);
  const section = app.data.sections.find((s) => s.links.includes(lk.id));
  let html = `<b>${esc(lk.line)}</b> ${esc(cityName(lk.from))} – ${esc(cityName(lk.to))}`;
  html += `<button type="button" data-act="link">${esc(isCut ? t("restore") : t("cut_link"))}</button>`;
  if (section && !isCut) html += `<button type="button" data-act="section">${esc(t("cut_section"))}: ${esc(section.label)} (${section.links.length})</button>`;
  pop.innerHTML = html;
  pop.hidden = false;
  const box = el("map-wrap").getBoundingClientRect();
  pop.style.left = Math.min(ev.clientX - box.left + 8, box.width - 300) + "px";
  pop.style.top = Math.min(ev.clientY - box.top + 8, box.height - 90) + "px";
  pop.querySelector('[data-act="link"]').addEventListener("click", () => { pop.hidden = true; setCut([lk.cut], !isCut); });
  const sec = pop.querySelector('[data-act="section"]');
  if (sec) sec.addEventListener("click", () => {
    pop.hidden = true;
    setCut(section.links.map((i) => app.meta.links[i].cut), true);
  });
}
function setCut(cuts, on) {
  const set = new Set(app.state.cut);
  for (const c of cuts) on ? set.add(c) : set.delete(c);
  app.state.cut = [...set];
  refresh();
}

function selectCity(id) {
  app.city = app.city === id ? null : id;
  app.cityData = null;
  loadCity();
}
function loadCity() {
  if (!app.city) { writeURL(); renderMap(); renderCity(); return; }
  fetchCity().then(() => { writeURL(); renderMap(); renderCity(); loadIsochrones(); }).catch((err) => showError(err.message));
}

// ------------------------------------------------------------------ verdict panel
function statusChip(status) { return `<span class="chip ${esc(status)}">${esc(t(status))}</span>`; }
function readingName(r, v) {
  const base = t(r.key === "modelled_run" ? "modelled_run" : r.reading === "timetable" ? "timetable" : "door_to_door");
  return r.profile && v.profile && r.profile !== v.profile ? `${base} (${t(r.profile)})` : base;
}
function renderVerdicts() {
  const s = app.data.summary;
  el("summary").textContent = t("summary", { h1: s.door_to_door["60"], h2: s.door_to_door["120"], n: s.pairs });
  let html = app.data.warnings.length ? `<div class="why small">${esc(t("warnings"))}: ${esc(app.data.warnings.join("; "))}</div>` : "";
  const changed = Object.fromEntries(app.data.changes.targets.map((x) => [x.id, x]));
  for (const v of app.data.verdicts) {
    const c = changed[v.id];
    const delta = c && (c.before !== c.after || c.passed_before !== c.passed_after)
      ? ` <span class="badge">${esc(t("base"))}: ${c.passed_before} → ${c.passed_after}</span>` : "";
    const due = v.not_yet_due ? ` <span class="muted small">${esc(t("due_would", { year: v.due_year, verdict: t(v.verdict) }))}</span>` : "";
    html += `<div class="target ${esc(v.status)}" data-target="${esc(v.id)}"><div>${statusChip(v.status)}<span class="title">${esc(zhTitle(v))}</span>${delta}${due}</div>`;
    if (v.kind === "travel_time") {
      html += `<div class="reading">${esc(t(v.profile))} ≤ ${v.threshold_min} ${t("minutes")} · ${esc(t("due", { year: v.due_year }))}</div>`;
      html += `<ul class="readings">` + v.readings.map((r, n) => {
        const close = r.close ? ` · <span class="close-mark">${esc(t("n_close", { n: r.close }))}</span>` : "";
        const head = n === 0 ? ` <span class="badge" title="${esc(v.headline_reason)}">${esc(t("headline"))}</span>` : "";
        return `<li class="${n === 0 ? "head" : ""}">${esc(readingName(r, v))}${head}: ${statusChip(r.verdict)}${r.passed}/${r.checked}${close}</li>`;
      }).join("") + "</ul>";
      const shown = v.pairs.filter((p) => Object.values(p.cells).some((x) => !x.passed || x.close));
      shown.sort((a, b) => (b.gap_min ?? 1e9) - (a.gap_min ?? 1e9));
      const failing = v.pairs.filter((p) => !p.passed).length;
      if (shown.length) {
        const cols = v.readings.map((r) => `<th>${esc(readingName(r, v))}</th>`).join("");
        html += `<details><summary>${esc(t("failing_or_close", { n: failing, m: shown.length - failing }))}</summary><table class="pairs"><tr><th>${esc(t("pairs"))}</th>${cols}<th>${esc(t("line"))}</th></tr>`;
        for (const p of shown) {
          const cells = v.readings.map((r) => {
            const x = p.cells[r.key];
            if (x.minutes === null) return `<td class="gap">${esc(t("unreachable"))}</td>`;
            const cls = x.passed ? (x.close ? "close" : "ok") : (x.close ? "close" : "gap");
            const where = (x.stations ? " · " + cityName(x.stations[0]) + " → " + cityName(x.stations[1]) : "") +
              (x.default_speed && x.default_speed.length ? " · " + t("default_speed") + ": " + x.default_speed.join(", ") : "");
            const assumed = x.default_speed && x.default_speed.length ? "*" : "";
            return `<td class="${cls}" title="${esc(t(x.passed ? "met" : "not_met"))}${x.close ? " · " + esc(t("close")) : ""}${esc(where)}">${fmt(x.minutes)}${assumed} <small>(${esc(x.gap)})</small></td>`;
          }).join("");
          const head = p.cells[v.readings[0].key].stations;  // the headline trip's first boarding and last alighting
          const ends = head ? `<br><small class="muted">${esc(cityName(head[0]))} → ${esc(cityName(head[1]))}</small>` : "";
          html += `<tr><td>${esc(cityName(p.a))}–${esc(cityName(p.b))}</td>${cells}<td>${esc(p.line)}${ends}</td></tr>`;
        }
        html += `</table><div class="muted small">${esc(closeNote())}</div></details>`;
      }
    } else if (v.kind === "coverage") {
      const missing = v.cities.filter((c) => !c.passed);
      const unit = v.service === "port_rail" ? t("ports") : t("cities");
      html += `<div class="reading">${esc(t("coverage"))}: ${v.passed.coverage}/${v.checked} ${esc(unit)} · ${esc(t("due", { year: v.due_year }))}${missing.length ? " · " + esc(t("missing")) + esc(missing.map((c) => cityName(c.city)).join(", ")) : ""}</div>`;
    } else {
      const km = v.length_km === null ? "—" : Math.round(v.length_km).toLocaleString("en");
      html += `<div class="reading">${esc(t(v.lower_bound ? "length_lower" : "length", { km, target: Math.round(v.threshold_km).toLocaleString("en") }))} · ${esc(t("due", { year: v.due_year }))}</div>`;
      if (v.lower_bound && v.verdict === "undetermined") html += `<div class="muted small">${esc(t("lower_bound_note"))}</div>`;
    }
    html += `<div class="muted small">${esc(v.source)}</div></div>`;
  }
  setHTML(el("targets"), html);
}
function closeNote() {
  const e = app.meta.model_error;
  return e ? t("close_note", { rail: e.rail_mae_min, road: e.road_mae_min }) : t("no_close");
}

// Replace a panel's content only when it changed (a click that changes no verdict redraws
// none), keeping open what the planner opened (the failing pairs of a target).
function setHTML(node, html) {
  if (node.__html === html) return;
  const open = new Set([...node.querySelectorAll("[data-target] details[open]")].map((d) => d.closest("[data-target]").dataset.target));
  node.innerHTML = html;
  node.__html = html;
  for (const id of open) {
    const details = node.querySelector(`[data-target="${CSS.escape(id)}"] details`);
    if (details) details.open = true;
  }
}

function renderChanges() {
  const c = app.data.changes;
  const changedTargets = c.targets.filter((x) => x.before !== x.after || x.passed_before !== x.passed_after);
  if (!changedTargets.length && !c.n_faster && !c.n_slower && !c.links_added.length && !c.links_removed.length) {
    setHTML(el("changes"), `<div class="muted">${esc(t("no_changes"))}</div>`);
    return;
  }
  const name = (id) => { const v = app.data.verdicts.find((x) => x.id === id); return v ? zhTitle(v) : id; };
  let html = "";
  if (changedTargets.length) {
    html += `<div><b>${esc(t("targets_changed"))}</b><ul class="plain">` + changedTargets.map((x) =>
      `<li>${esc(name(x.id))}: ${statusChip(x.before)}${x.passed_before} → ${statusChip(x.after)}${x.passed_after}</li>`).join("") + "</ul></div>";
  }
  // a pair can meet (or miss) several targets: listed once, with how many
  const pairList = (list) => {
    const seen = new Map();
    for (const [a, b] of list) seen.set(`${a}|${b}`, (seen.get(`${a}|${b}`) || 0) + 1);
    const items = [...seen].map(([k, n]) => { const [a, b] = k.split("|"); return `${esc(cityName(a))}–${esc(cityName(b))}${n > 1 ? ` (×${n})` : ""}`; });
    return `(${seen.size}): ` + items.slice(0, 12).join(", ") + (items.length > 12 ? ", …" : "");
  };
  if (c.newly_met.length) html += `<div class="delta-neg">${esc(t("newly_met"))} ${pairList(c.newly_met)}</div>`;
  if (c.newly_missed.length) html += `<div class="delta-pos">${esc(t("newly_missed"))} ${pairList(c.newly_missed)}</div>`;
  const minutes = (x) => `${x > 0 ? "+" : "−"}${Math.abs(Math.round(x))} ${t("minutes")}`;
  if (c.faster.length) html += `<div><b>${esc(t("faster"))}</b> (${c.n_faster}): ` + c.faster.slice(0, 8).map((p) => `${esc(cityName(p[0]))}–${esc(cityName(p[1]))} <span class="delta-neg">${minutes(p[2])}</span>`).join(", ") + "</div>";
  if (c.slower.length) html += `<div><b>${esc(t("slower"))}</b> (${c.n_slower}): ` + c.slower.slice(0, 8).map((p) => `${esc(cityName(p[0]))}–${esc(cityName(p[1]))} <span class="delta-pos">${minutes(p[2])}</span>`).join(", ") + "</div>";
  if (c.disconnected) html += `<div class="delta-pos">${esc(t("lost", { n: c.disconnected }))}</div>`;
  html += `<div class="muted small">${esc(t("links_added"))}: ${c.links_added.length} · ${esc(t("links_removed"))}: ${c.links_removed.length}</div>`;
  setHTML(el("changes"), html);
}

function renderCuts() {
  if (!app.state.cut.length) { setHTML(el("cuts"), `<div class="muted">${esc(t("no_cuts"))}</div>`); return; }
  setHTML(el("cuts"), app.state.cut.map((c) => {
    const [line, ends] = [c.slice(0, c.lastIndexOf(":")), c.slice(c.lastIndexOf(":") + 1)];
    const [a, b] = ends.split("-");
    return `<div class="cut-item"><span>${esc(line)} ${esc(cityName(a))}–${esc(cityName(b))}</span><button type="button" data-restore="${esc(c)}">${esc(t("restore"))}</button></div>`;
  }).join(""));
}

function renderCity() {
  const box = el("city");
  if (!app.city || !app.cityData) { box.hidden = true; return; }
  box.hidden = false;
  const d = app.cityData;
  const rows = app.meta.cities.map((c, i) => ({ c, i, d: d.door_to_door[i], t: d.timetable[i], delta: d.door_to_door[i] !== null && d.base_door_to_door[i] !== null ? d.door_to_door[i] - d.base_door_to_door[i] : null }))
    .filter((r) => r.c.id !== app.city);
  const key = app.sort;
  rows.sort((a, b) => (key === "name" ? cityName(a.c.id).localeCompare(cityName(b.c.id)) : ((a[key === "door_to_door" ? "d" : key === "timetable" ? "t" : "delta"] ?? 1e9) - (b[key === "door_to_door" ? "d" : key === "timetable" ? "t" : "delta"] ?? 1e9))));
  const profiles = app.meta.profiles.map((p) => `<option value="${p}" ${p === app.profile ? "selected" : ""}>${esc(t(p))}</option>`).join("");
  const readings = ["door_to_door", "timetable"].map((r) => `<option value="${r}" ${r === app.reading ? "selected" : ""}>${esc(t(r))}</option>`).join("");
  const html = `<div class="head"><b>${esc(t("from_city", { city: cityName(app.city) }))}</b>
    <label>${esc(t("profile"))} <select id="profile">${profiles}</select></label>
    <label>${esc(t("reading_shown"))}<select id="reading">${readings}</select></label></div>
    <table><tr><th data-sort="name">${esc(t("pairs"))}</th><th data-sort="door_to_door">${esc(t("door_to_door"))}</th><th data-sort="timetable">${esc(t("timetable"))}</th><th data-sort="delta">${esc(t("delta_base"))}</th></tr>` +
    rows.map((r) => `<tr><td>${esc(cityName(r.c.id))}</td><td>${fmt(r.d)}</td><td>${fmt(r.t)}</td><td class="${r.delta < -0.05 ? "delta-neg" : r.delta > 0.05 ? "delta-pos" : ""}">${r.delta === null || Math.abs(r.delta) < 0.05 ? "" : (r.delta > 0 ? "+" : "") + r.delta.toFixed(0)}</td></tr>`).join("") + "</table>";
  if (box.__html === html) return;  // the same table: nothing to redraw
  box.innerHTML = html;
  box.__html = html;
  el("profile").addEventListener("change", (ev) => { app.profile = ev.target.value; loadCity(); });
  el("reading").addEventListener("change", (ev) => { app.reading = ev.target.value; writeURL(); renderMap(); loadIsochrones(); });
  for (const th of box.querySelectorAll("th[data-sort]")) th.addEventListener("click", () => { app.sort = th.dataset.sort; renderCity(); });
}

// ------------------------------------------------------------------ dialogs and actions
function dialog(html, withInput) {
  return new Promise((done) => {
    const box = el("dialog");
    box.innerHTML = `<div class="box">${html}${withInput ? '<input type="text" id="dialog-input" autocomplete="off">' : ""}
      <div><button type="button" id="dialog-ok">${esc(t("ok"))}</button> ${withInput ? `<button type="button" id="dialog-cancel">${esc(t("cancel"))}</button>` : ""}</div></div>`;
    box.hidden = false;
    const input = el("dialog-input");
    if (input) input.focus();
    const close = (value) => { box.hidden = true; done(value); };
    el("dialog-ok").addEventListener("click", () => close(input ? input.value : true));
    if (withInput) el("dialog-cancel").addEventListener("click", () => close(null));
  });
}

async function share() {
  writeURL();
  const url = location.href;
  try { await navigator.clipboard.writeText(url); } catch (err) { /* shown below anyway */ }
  await dialog(`<div>${esc(t("copied"))}</div><input type="text" readonly value="${esc(url)}">`, false);
}

async function saveScenario() {
  const name = await dialog(`<div>${esc(t("save_prompt"))}</div>`, true);
  if (!name) return;
  const q = stateQuery(app.state);
  q.set("name", name.trim());
  const r = await fetch("/api/save?" + q.toString(), { method: "POST" });
  const body = await r.json();
  if (!r.ok) { showError(body.error); return; }
  await dialog(`<div>${esc(t("saved"))}<code>${esc(body.path)}</code></div><div>${esc(t("run_it"))}<code>${esc(body.run)}</code></div>`, false);
}

async function downloadGeoPackage() {
  const q = stateQuery(app.state);
  if (app.city) { q.set("city", app.city); q.set("profile", app.profile); }
  const button = el("gpkg");
  button.disabled = true;
  el("timing").textContent = t("preparing");
  try {
    const r = await fetch("/api/layers.gpkg?" + q.toString());
    if (!r.ok) throw new Error((await r.json()).error || r.statusText);
    const name = /filename="([^"]+)"/.exec(r.headers.get("content-disposition") || "");
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = name ? name[1] : "sim.gpkg";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    el("timing").textContent = "";
  } catch (err) {
    showError(err.message);
  } finally {
    button.disabled = !app.meta.geopackage;
  }
}

function wire() {
  el("scenario").addEventListener("change", (ev) => {
    const s = app.meta.scenarios.find((x) => x.id === ev.target.value);
    app.state = { scenario: s.id, year: s.year || app.meta.data_end, add: [], drop: [], cut: [] };
    refresh();
  });
  el("base").addEventListener("change", (ev) => { app.base = ev.target.value; refresh(); });
  el("year").addEventListener("input", (ev) => { el("year-value").textContent = ev.target.value; });
  el("year").addEventListener("change", (ev) => { app.state.year = ev.target.value; refresh(); });
  el("projects").addEventListener("change", (ev) => {
    if (ev.target.dataset.project) toggleProject(ev.target.dataset.project, ev.target.checked);
  });
  el("cuts").addEventListener("click", (ev) => {
    if (ev.target.dataset.restore) setCut([ev.target.dataset.restore], false);
  });
  el("lang").addEventListener("click", () => { app.lang = app.lang === "zh" ? "en" : "zh"; writeURL(); render(); });
  el("gpkg").addEventListener("click", downloadGeoPackage);
  el("share").addEventListener("click", share);
  el("save").addEventListener("click", saveScenario);
  document.addEventListener("click", (ev) => { if (!el("popup").contains(ev.target)) el("popup").hidden = true; });
  // a new size (the window, or the city's table shown or hidden): the map is drawn again for it
  new ResizeObserver((entries) => {
    const box = entries[entries.length - 1].contentRect;
    if (Math.round(box.width) === mapSize.w && Math.round(box.height) === mapSize.h) return;
    mapSize.w = Math.round(box.width);
    mapSize.h = Math.round(box.height);
    if (app.data) renderMap();
  }).observe(el("map"));
}

async function start() {
  wire();
  const q = new URLSearchParams(location.search);
  app.lang = q.get("lang") === "en" ? "en" : "zh";
  app.base = q.get("base") || "";
  app.city = q.get("city") || null;
  app.profile = q.get("profile") || "rail";
  app.reading = q.get("reading") === "timetable" ? "timetable" : "door_to_door";
  try {
    app.meta = await getJSON("/api/meta");
  } catch (err) {
    showError(err.message);
    return;
  }
  if (app.city && !app.meta.cities.some((c) => c.id === app.city)) app.city = null;
  if (!app.meta.profiles.includes(app.profile)) app.profile = "rail";
  app.state = fromQuery(q);
  await refresh();
  if (!app.data) {  // the shared view was refused: say why, and show the default view
    const message = el("error").textContent;
    app.state = fromQuery(new URLSearchParams(app.meta.default));
    await refresh();
    showError(message);
  }
  document.body.dataset.ready = "1";
}

start();
