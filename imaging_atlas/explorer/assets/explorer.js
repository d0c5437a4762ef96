// The Atlas explorer's own script (no library; docs/explorer.md says why): it decodes the inlined
// TopoJSON boundaries, draws the map, the time series, the ranked chart and the funnel plot as SVG,
// links them through one selected unit, fills the table and the metadata, keeps the view in the URL
// hash, exports the charts (SVG, PNG) and the table (CSV for Excel), and switches every text between
// French and Dutch (texts.js). It reads only the two JSON elements of the page (gzip + base64,
// inflated by the browser's DecompressionStream) and fetches nothing.
(function () {
  "use strict";

  function base64Bytes(text) {
    if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
    // A plain loop: Uint8Array.from with a mapping function takes about a second on the default data.
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  async function inflate(id) {
    const bytes = base64Bytes(document.getElementById(id).textContent.trim());
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  if (typeof DecompressionStream === "undefined") {
    document.getElementById("unsupported").hidden = false;
    return;
  }
  Promise.all([inflate("atlas-data"), inflate("boundaries")]).then(([data, topo]) => start(data, topo));

  function start(DATA, TOPO) {
    const SVG_NS = "http://www.w3.org/2000/svg";
    const TEXT = ATLAS_TEXT;

    const MEASURES = {
      crude: { value: "v", low: "lo", high: "hi", withheld: null, ratio: false },
      standardised: { value: "sv", low: "slo", high: "shi", withheld: "sw", ratio: false },
      eb: { value: "eb", low: "eblo", high: "ebhi", withheld: "ebw", ratio: false },
      ratio: { value: "r", low: "rlo", high: "rhi", withheld: null, ratio: true },
    };
    const MAP_LEVELS = ["commune", "arrondissement", "province", "region"];
    const GEOMETRY = {
      commune: ["communes", "commune_nis"],
      arrondissement: ["arrondissements", "arrondissement_nis"],
      province: ["provinces", "province_nis"],
      region: ["regions", "region_nis"],
    };
    // Brussels-Capital is a unit of the province level (04000) when the figures hold it there.
    const EXTRA_SHAPES = { province: [["regions", "region_nis", "04000"]] };
    const OUTLINES = { commune: ["provinces", "regions"], arrondissement: ["provinces", "regions"], province: ["regions"], region: [] };
    const BRUSSELS = "04000";
    const INSET_SCALE = 4;
    // ColorBrewer YlGn (7 classes) and RdBu (7, reversed); k < 7 classes take evenly spread colours.
    const SEQUENTIAL = ["#f7fcb9", "#d9f0a3", "#addd8e", "#78c679", "#41ab5d", "#238443", "#005a32"];
    const DIVERGING = ["#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"];
    const RATIO_BREAKS = [0.75, 0.85, 0.95, 1.05, 1.15, 1.25];
    const MAX_CLASSES = 7;
    const SERIES_COLOURS = { "01000": "#1f2933", "02000": "#e69f00", "03000": "#cc3311", "04000": "#0072b2" };
    const UNIT_COLOUR = "#7b3294";
    const FLAG_COLOURS = { above998: "#b2182b", above95: "#ef8a62", within: "#8c96a3", below95: "#67a9cf", below998: "#2166ac" };
    const FLAGS = { 2: "above998", 1: "above95", 0: "within", "-1": "below95", "-2": "below998" };
    const MAP_WIDTH = 800;
    const MAP_PAD = 10;
    const FUNNEL_KINDS = ["ratio", "crude"];

    const DEFAULTS = {
      lang: (navigator.language || "fr").toLowerCase().startsWith("nl") ? "nl" : "fr",
      indicator: DATA.indicators[0].code,
      year: DATA.years[DATA.years.length - 1],
      level: "commune",
      measure: "crude",
      classes: "fixed",
      funnel: "ratio",
      unit: null,
    };
    const state = Object.assign({}, DEFAULTS);
    const geometryCache = {};
    const classCache = {};

    // ---- helpers ---------------------------------------------------------------------------------
    function indicatorEntry(code) { return DATA.indicators.find((entry) => entry.code === (code || state.indicator)); }
    function isVolume() { const entry = indicatorEntry(); return Boolean(entry && entry.measure !== "patients"); }
    function t(key) {
      const text = TEXT[state.lang];
      return isVolume() && key in text.volume ? text.volume[key] : text[key];
    }
    function el(tag, attributes, parent) {
      const node = document.createElementNS(SVG_NS, tag);
      Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
      if (parent) parent.appendChild(node);
      return node;
    }
    function html(tag, text, parent) {
      const node = document.createElement(tag);
      if (text !== undefined && text !== null) node.textContent = text;
      if (parent) parent.appendChild(node);
      return node;
    }
    function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
    function locale() { return state.lang === "fr" ? "fr-BE" : "nl-BE"; }
    function known(value) { return value !== null && value !== undefined; }
    const formats = {};
    function formatter(digits) {
      const key = locale() + "|" + digits;
      if (!formats[key]) formats[key] = new Intl.NumberFormat(locale(), digits === null ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits });
      return formats[key];
    }
    function fmt(value, digits) { return known(value) ? formatter(digits).format(value) : "–"; }
    function fmtCount(value) { return known(value) ? formatter(null).format(value) : "–"; }
    function digitsOf(measure) { return MEASURES[measure].ratio ? 3 : 2; }
    function unitName(unit) { return state.lang === "fr" ? unit[1] || unit[2] : unit[2] || unit[1]; }
    function column(current, key) { return current && key && current[key] ? current[key] : null; }
    function at(array, index) { return array && known(array[index]) ? array[index] : null; }
    function measureUnit(measure) { return MEASURES[measure].ratio ? t("ratioUnit") : t("unit"); }
    function withUnit(value, measure) {
      const unit = measureUnit(measure);
      return unit === "%" ? `${value} %` : MEASURES[measure].ratio ? value : `${value} ${unit}`;
    }
    // A reason of the statistics layer, in words, after the figure it is about.
    function reason(code, what) { return t("reasonOf")(what, TEXT[state.lang].reasons[code] || t("reasonUnknown")); }
    function block(indicator, year, level) {
      const levels = (DATA.figures[indicator] || {})[String(year)] || {};
      return levels[level] || null;
    }
    function current() { return block(state.indicator, state.year, state.level); }
    const unitIndexCache = {};
    function unitIndex(level) {
      if (!unitIndexCache[level]) {
        unitIndexCache[level] = {};
        DATA.units[level].forEach((unit, i) => { unitIndexCache[level][unit[0]] = i; });
      }
      return unitIndexCache[level];
    }
    function unitOf(level, code) {
      const i = unitIndex(level)[code];
      return i === undefined ? [code, code, code] : DATA.units[level][i];
    }
    function measureAvailable(measure, level) {
      const cell = block(state.indicator, state.year, level);
      return Boolean(column(cell, MEASURES[measure].value) || column(cell, MEASURES[measure].withheld));
    }
    function nationalReference(measure) {
      if (MEASURES[measure].ratio) return 1;
      const country = block(state.indicator, state.year, "country");
      const own = at(column(country, MEASURES[measure].value), 0);
      const yearBlocks = (DATA.figures[state.indicator] || {})[String(state.year)] || {};
      return known(own) ? own : known(yearBlocks.national) ? yearBlocks.national : null;
    }
    function announce(text) { document.getElementById("status").textContent = text; }

    // ---- the unit hierarchy, from the communes' properties ------------------------------------------
    const REGION_OF = {};
    TOPO.objects.communes.geometries.forEach((geometry) => {
      const p = geometry.properties;
      REGION_OF[p.commune_nis] = p.region_nis;
      REGION_OF[p.arrondissement_nis] = p.region_nis;
      if (p.province_nis) REGION_OF[p.province_nis] = p.region_nis;
    });
    REGION_OF[BRUSSELS] = BRUSSELS;

    // ---- boundaries: TopoJSON arcs -> projected SVG paths -------------------------------------------
    function projection() {
      const [west, south, east, north] = TOPO.bbox;
      const k = Math.cos(((south + north) / 2) * Math.PI / 180);
      const scale = (MAP_WIDTH - 2 * MAP_PAD) / ((east - west) * k);
      const height = Math.ceil((north - south) * scale + 2 * MAP_PAD);
      return { height, project: (lon, lat) => [MAP_PAD + (lon - west) * k * scale, MAP_PAD + (north - lat) * scale] };
    }
    const PROJECTION = projection();
    const ARCS = TOPO.arcs.map((arc) => {
      const [sx, sy] = TOPO.transform.scale;
      const [tx, ty] = TOPO.transform.translate;
      let x = 0;
      let y = 0;
      return arc.map(([dx, dy]) => { x += dx; y += dy; return PROJECTION.project(x * sx + tx, y * sy + ty); });
    });
    function ringPoints(ring) {
      const points = [];
      ring.forEach((arcIndex, k) => {
        const arc = arcIndex >= 0 ? ARCS[arcIndex] : ARCS[~arcIndex].slice().reverse();
        arc.forEach((point, j) => { if (j > 0 || k === 0) points.push(point); });
      });
      return points;
    }
    function shapeOf(geometry, code) {
      const polygons = geometry.type === "Polygon" ? [geometry.arcs] : geometry.type === "MultiPolygon" ? geometry.arcs : [];
      let d = "";
      const box = [Infinity, Infinity, -Infinity, -Infinity];
      polygons.forEach((rings) => rings.forEach((ring) => {
        const points = ringPoints(ring);
        d += "M" + points.map((p) => p[0].toFixed(1) + "," + p[1].toFixed(1)).join("L") + "Z";
        points.forEach(([x, y]) => { box[0] = Math.min(box[0], x); box[1] = Math.min(box[1], y); box[2] = Math.max(box[2], x); box[3] = Math.max(box[3], y); });
      }));
      return { code, d, box, cx: (box[0] + box[2]) / 2, cy: (box[1] + box[3]) / 2 };
    }
    function shapes(objectName, codeProperty) {
      const key = objectName + "|" + codeProperty;
      if (!geometryCache[key]) {
        geometryCache[key] = TOPO.objects[objectName].geometries.map((geometry) => shapeOf(geometry, geometry.properties[codeProperty]));
      }
      return geometryCache[key];
    }
    function levelShapes(level) {
      const [objectName, property] = GEOMETRY[level];
      const list = shapes(objectName, property).slice();
      (EXTRA_SHAPES[level] || []).forEach(([object, codeProperty, code]) => {
        if (unitIndex(level)[code] === undefined) return;
        const extra = shapes(object, codeProperty).find((shape) => shape.code === code);
        if (extra) list.push(extra);
      });
      return list;
    }

    // ---- colour classes ------------------------------------------------------------------------------
    // At least two units per class on average and at most seven classes; breaks are quantiles rounded
    // to the precision shown, so no two classes read the same, and a class holds at least one value.
    function classCount(units) { return units < 2 ? 1 : Math.max(2, Math.min(MAX_CLASSES, Math.floor(units / 2))); }
    function roundTo(value, digits) { const f = Math.pow(10, digits); return Math.round(value * f) / f; }
    function quantileBreaks(sorted, classes, digits) {
      const low = roundTo(sorted[0], digits);
      const high = roundTo(sorted[sorted.length - 1], digits);
      const breaks = [];
      for (let i = 1; i < classes; i += 1) {
        const position = (i * (sorted.length - 1)) / classes;
        const below = sorted[Math.floor(position)];
        const above = sorted[Math.ceil(position)];
        const value = roundTo(below + (above - below) * (position - Math.floor(position)), digits);
        if (value > low && value <= high && (breaks.length === 0 || value > breaks[breaks.length - 1])) breaks.push(value);
      }
      return breaks;
    }
    function measureValues(indicator, year, level, measure) {
      const cell = block(indicator, year, level);
      const values = column(cell, MEASURES[measure].value) || [];
      return values.filter((v, i) => known(v) && !cell.s[i]);
    }
    function classesFor(measure) {
      const digits = digitsOf(measure);
      if (MEASURES[measure].ratio) return { breaks: RATIO_BREAKS, palette: DIVERGING, mode: "ratio", digits };
      const fixed = state.classes === "fixed";
      const key = [state.indicator, state.level, measure, fixed ? "all" : state.year].join("|");
      if (!classCache[key]) {
        const years = fixed ? DATA.years : [state.year];
        const perYear = years.map((year) => measureValues(state.indicator, year, state.level, measure));
        const pooled = perYear.flat().sort((a, b) => a - b);
        const counts = perYear.map((values) => values.length).filter((n) => n > 0).sort((a, b) => a - b);
        const units = counts.length ? counts[Math.floor(counts.length / 2)] : 0;
        const breaks = pooled.length ? quantileBreaks(pooled, classCount(units), digits) : [];
        const palette = breaks.length === 0 ? [SEQUENTIAL[3]] : Array.from({ length: breaks.length + 1 }, (_, i) => SEQUENTIAL[Math.round((i * (SEQUENTIAL.length - 1)) / breaks.length)]);
        const shownYears = years.filter((year, i) => perYear[i].length > 0);
        classCache[key] = { breaks, palette, mode: fixed ? "fixed" : "year", digits, first: shownYears[0], last: shownYears[shownYears.length - 1] };
      }
      return classCache[key];
    }
    function colourOf(scale, value) {
      let i = 0;
      while (i < scale.breaks.length && roundTo(value, scale.digits) >= scale.breaks[i]) i += 1;
      return scale.palette[i];
    }

    // ---- tooltip -------------------------------------------------------------------------------------
    const tooltip = document.getElementById("tooltip");
    function fillTooltip(title, lines) {
      clear(tooltip);
      html("strong", title, tooltip);
      lines.forEach((line) => html("div", line, tooltip));
      tooltip.hidden = false;
    }
    function placeTooltip(x, y) {
      const width = tooltip.offsetWidth;
      const height = tooltip.offsetHeight;
      const left = Math.max(4, Math.min(x + 14, window.innerWidth - width - 4));
      const top = y + 14 + height > window.innerHeight ? Math.max(4, y - height - 10) : y + 14;
      tooltip.style.left = left + "px";
      tooltip.style.top = top + "px";
    }
    function tooltipAtPointer(event, title, lines) { fillTooltip(title, lines); placeTooltip(event.clientX, event.clientY); }
    function tooltipAtElement(node, title, lines) {
      fillTooltip(title, lines);
      const box = node.getBoundingClientRect();
      placeTooltip(box.left + box.width / 2, box.top + box.height / 2);
    }
    function hideTooltip() { tooltip.hidden = true; }

    // ---- the charts' units: mouse, touch and keyboard --------------------------------------------
    // Each chart holds marks with data-code. One of them is in the tab order (roving tabindex); the
    // arrow keys move to a neighbour (`next` says which), Enter or Space selects, Escape hides the
    // tooltip. A tooltip opens on hover, on focus and on tap; a click or tap selects.
    function interactive(svg, describe, next, pointer) {
      svg.atlas = { describe, next, pointer: pointer || null };
      // Every reachable mark is named as its tooltip reads, for screen readers.
      svg.querySelectorAll("[data-code][tabindex]").forEach((mark) => {
        const info = describe(mark.dataset.code, mark);
        mark.setAttribute("aria-label", `${info.title}: ${info.lines.join("; ")}`);
      });
      if (svg.dataset.bound) return;
      svg.dataset.bound = "true";
      const markOf = (event) => {
        const mark = event.target.closest ? event.target.closest("[data-code]") : null;
        return mark && svg.contains(mark) ? mark : null;
      };
      const show = (mark, event) => {
        const info = svg.atlas.describe(mark.dataset.code, mark);
        if (event) tooltipAtPointer(event, info.title, info.lines);
        else tooltipAtElement(mark, info.title, info.lines);
        return info;
      };
      svg.addEventListener("mousemove", (event) => {
        const code = svg.atlas.pointer ? svg.atlas.pointer(event) : null;
        if (svg.atlas.pointer) {
          if (!code) { hideTooltip(); return; }
          const info = svg.atlas.describe(code);
          tooltipAtPointer(event, info.title, info.lines);
          return;
        }
        const mark = markOf(event);
        if (mark) show(mark, event); else hideTooltip();
      });
      svg.addEventListener("mouseleave", hideTooltip);
      svg.addEventListener("click", (event) => {
        const mark = markOf(event);
        const code = mark ? mark.dataset.code : svg.atlas.pointer ? svg.atlas.pointer(event) : null;
        if (!code || svg.dataset.selectable === "false") return;
        select(code);
        const target = svg.querySelector(`[data-code="${code}"]`);
        if (target) show(target);
      });
      svg.addEventListener("focusin", (event) => {
        const mark = markOf(event);
        if (!mark) return;
        const info = show(mark);
        mark.setAttribute("aria-label", `${info.title}: ${info.lines.join("; ")}`);
      });
      svg.addEventListener("focusout", hideTooltip);
      svg.addEventListener("keydown", (event) => {
        const mark = markOf(event);
        if (!mark) return;
        if ((event.key === "Enter" || event.key === " ") && svg.dataset.selectable !== "false") {
          event.preventDefault();
          select(mark.dataset.code);
          show(mark);
          return;
        }
        if (event.key === "Escape") { hideTooltip(); return; }
        const target = svg.atlas.next(mark, event.key);
        if (target && target !== mark) {
          event.preventDefault();
          mark.setAttribute("tabindex", "-1");
          target.setAttribute("tabindex", "0");
          target.focus();
        }
      });
    }
    function rovingStart(svg) {
      const marks = svg.querySelectorAll("[data-code][tabindex]");
      if (!marks.length) return;
      const chosen = state.unit ? svg.querySelector(`[data-code="${state.unit}"][tabindex]`) : null;
      (chosen || marks[0]).setAttribute("tabindex", "0");
    }
    function sequenceNext(marks) {
      return (mark, key) => {
        const i = marks.indexOf(mark);
        const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, PageDown: 10, PageUp: -10 }[key];
        if (key === "Home") return marks[0];
        if (key === "End") return marks[marks.length - 1];
        if (step === undefined || i < 0) return null;
        return marks[Math.max(0, Math.min(marks.length - 1, i + step))];
      };
    }
    function spatialNext(shapeByCode, marks) {
      // The neighbour in the arrow's direction: the nearest centroid ahead, sideways distance counted double.
      const directions = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] };
      return (mark, key) => {
        if (key === "Home") return marks[0];
        if (key === "End") return marks[marks.length - 1];
        const direction = directions[key];
        if (!direction) return null;
        const from = shapeByCode[mark.dataset.code];
        let best = null;
        let bestScore = Infinity;
        marks.forEach((candidate) => {
          const to = shapeByCode[candidate.dataset.code];
          if (!to || candidate === mark) return;
          const dx = to.cx - from.cx;
          const dy = to.cy - from.cy;
          const ahead = dx * direction[0] + dy * direction[1];
          if (ahead <= 0.5) return;
          const aside = Math.abs(dx * direction[1] - dy * direction[0]);
          const score = ahead + 2 * aside;
          if (score < bestScore) { bestScore = score; best = candidate; }
        });
        return best;
      };
    }

    // ---- a cell in words -----------------------------------------------------------------------------
    function cellLines(level, index, cell, measure) {
      const spec = MEASURES[measure];
      if (!cell || index === undefined) return [t("noData")];
      if (cell.s[index]) return [t("masked")];
      const lines = [];
      const value = at(column(cell, spec.value), index);
      const label = t("measures")[measure];
      if (!known(value)) {
        const why = at(column(cell, spec.withheld), index);
        lines.push(why ? reason(why, label) : `${label} : ${t("noData")}`);
      } else {
        let line = `${label} : ${fmt(value, digitsOf(measure))}`;
        const low = at(column(cell, spec.low), index);
        const high = at(column(cell, spec.high), index);
        if (known(low) && known(high)) line += ` (${t("interval")} ${fmt(low, digitsOf(measure))} – ${fmt(high, digitsOf(measure))})`;
        lines.push(line);
      }
      if (measure !== "crude" && known(at(cell.v, index))) lines.push(`${t("measures").crude} : ${fmt(at(cell.v, index), 2)}`);
      const n = at(cell.n, index);
      const d = at(cell.d, index);
      if (known(d)) lines.push(`${fmtCount(n)} ${t("patients")} / ${fmtCount(d)} ${t("beneficiaries")}`);
      return lines;
    }
    function describeUnit(level, code) {
      const cell = block(state.indicator, state.year, level);
      const i = unitIndex(level)[code];
      const unit = unitOf(level, code);
      return { title: `${unitName(unit)} (${unit[0]})`, lines: cellLines(level, i, cell, state.measure) };
    }

    // ---- map -------------------------------------------------------------------------------------
    function hatch(defs) {
      const pattern = el("pattern", { id: "masked-hatch", patternUnits: "userSpaceOnUse", width: 5, height: 5, patternTransform: "rotate(45)" }, defs);
      el("rect", { width: 5, height: 5, fill: "#ffffff" }, pattern);
      el("line", { x1: 0, y1: 0, x2: 0, y2: 5, stroke: "#9aa4b1", "stroke-width": 2.2 }, pattern);
    }
    function drawMap() {
      const svg = document.getElementById("map");
      const level = state.level;
      svg.setAttribute("viewBox", `0 0 ${MAP_WIDTH} ${PROJECTION.height}`);
      svg.setAttribute("data-level", level);
      svg.setAttribute("data-indicator", state.indicator);
      svg.setAttribute("data-measure", state.measure);
      svg.setAttribute("data-year", String(state.year));
      clear(svg);
      hatch(el("defs", {}, svg));
      const cell = current();
      const index = unitIndex(level);
      const spec = MEASURES[state.measure];
      const values = column(cell, spec.value) || [];
      const withheld = column(cell, spec.withheld) || [];
      const scale = classesFor(state.measure);
      const group = el("g", { class: "units" }, svg);
      const list = levelShapes(level);
      const counts = { shown: 0, masked: 0, withheld: 0 };
      const fills = {};
      list.forEach((shape) => {
        const i = index[shape.code];
        let kind = "nodata";
        let fill = "#cdd3da";
        if (i !== undefined && cell && cell.s[i]) {
          kind = "masked";
          fill = "url(#masked-hatch)";
        } else if (i !== undefined && known(values[i])) {
          kind = "shown";
          fill = colourOf(scale, values[i]);
        } else if (i !== undefined && known(withheld[i])) {
          kind = "withheld";
        }
        counts[kind] = (counts[kind] || 0) + 1;
        fills[shape.code] = [fill, kind, i];
        const path = el("path", { d: shape.d, class: "unit", "data-code": shape.code, "data-state": kind, fill, tabindex: "-1", role: "img" }, group);
        if (kind === "shown") path.setAttribute("data-value", String(values[i]));
      });
      OUTLINES[level].forEach((outline) => {
        const property = outline === "provinces" ? "province_nis" : "region_nis";
        shapes(outline, property).forEach((shape) => el("path", { d: shape.d, class: "outline" }, svg));
      });
      el("g", { class: "selection-layer" }, svg);
      if (level === "commune") drawInset(svg, list, fills);
      const shapeByCode = {};
      list.forEach((shape) => { shapeByCode[shape.code] = shape; });
      const marks = Array.from(group.querySelectorAll("path.unit"));
      interactive(svg, (code) => describeUnit(level, code), spatialNext(shapeByCode, marks));
      rovingStart(svg);
      drawLegend(scale, counts);
      const label = t("measures")[state.measure];
      document.getElementById("map-title").textContent = t("mapTitle")(label, t("levels")[level], state.year);
      const ratioNote = state.measure === "ratio" ? " " + t("ratioSource") + t("sources")[DATA.sources.ratio[state.indicator]] + "." : "";
      document.getElementById("map-note").textContent = t("mapNote") + ratioNote;
      document.getElementById("map-description").textContent = t("mapDescription")(list.length, t("levels")[level].toLowerCase(), counts.shown, counts.masked);
      mapMessage(cell, values, withheld, scale, counts);
    }
    function mapMessage(cell, values, withheld, scale, counts) {
      const node = document.getElementById("map-message");
      let text = "";
      const reasons = Array.from(new Set(withheld.filter(known)));
      const label = t("measures")[state.measure];
      const said = (code) => {
        const n = withheld.filter((w) => w === code).length;
        return reason(code, `${label} (${n} ${n === 1 ? t("levelOne")[state.level] : t("levels")[state.level].toLowerCase()})`);
      };
      if (!cell) text = t("nothing");
      else if (counts.shown === 0 && reasons.length) text = reasons.map(said).join(" ");
      else if (counts.shown === 0 && counts.masked > 0) text = t("allMasked");
      else if (counts.shown === 0) text = t("allWithheld");
      else {
        const shown = values.filter((v, i) => known(v) && !cell.s[i]).map((v) => roundTo(v, scale.digits));
        if (shown.length > 1 && Math.min(...shown) === Math.max(...shown)) text = t("degenerate")(withUnit(fmt(shown[0], scale.digits), state.measure));
        if (reasons.length) text = (text ? text + " " : "") + reasons.map(said).join(" ");
      }
      node.textContent = text;
      node.hidden = !text;
    }
    function drawInset(svg, list, fills) {
      const brussels = list.filter((shape) => REGION_OF[shape.code] === BRUSSELS);
      if (!brussels.length) return;
      const box = brussels.reduce((b, s) => [Math.min(b[0], s.box[0]), Math.min(b[1], s.box[1]), Math.max(b[2], s.box[2]), Math.max(b[3], s.box[3])], [Infinity, Infinity, -Infinity, -Infinity]);
      const width = (box[2] - box[0]) * INSET_SCALE;
      const height = (box[3] - box[1]) * INSET_SCALE;
      const left = 14;
      const top = PROJECTION.height - height - 24;
      const inset = el("g", { class: "inset", "aria-hidden": "true" }, svg);
      el("rect", { x: left - 6, y: top - 22, width: width + 12, height: height + 28, class: "inset-frame" }, inset);
      el("text", { x: left - 2, y: top - 8, class: "inset-label" }, inset).textContent = t("brusselsInset");
      const zoom = el("g", { transform: `translate(${left},${top}) scale(${INSET_SCALE}) translate(${-box[0]},${-box[1]})` }, inset);
      brussels.forEach((shape) => {
        const [fill, kind] = fills[shape.code];
        el("path", { d: shape.d, class: "unit inset-unit", "data-code": shape.code, "data-state": kind, fill }, zoom);
      });
      el("g", { class: "selection-layer" }, zoom);
      el("rect", { x: box[0], y: box[1], width: box[2] - box[0], height: box[3] - box[1], class: "inset-source" }, svg);
    }
    function legendItem(legend, colour, label, kind) {
      const item = html("span", null, legend);
      item.className = "item";
      const swatch = html("span", null, item);
      swatch.className = "swatch" + (kind ? " " + kind.replace("line-", "line ") : "");
      if (colour && !(kind || "").startsWith("line")) swatch.style.background = colour;
      if (colour && (kind || "").startsWith("line")) swatch.style.borderTopColor = colour;
      item.dataset.colour = colour || "";
      item.dataset.kind = kind || "";
      html("span", label, item);
      return item;
    }
    function drawLegend(scale, counts) {
      const legend = document.getElementById("legend");
      clear(legend);
      const digits = scale.digits;
      const unit = measureUnit(state.measure);
      const mode = scale.mode === "ratio" ? t("legendRatio") : scale.breaks.length === 0 ? t("legendOne") : scale.mode === "fixed" ? t("legendFixed")(scale.first, scale.last) : t("legendYear")(state.year);
      const caption = html("span", t("legendCaption")(unit, mode), legend);
      caption.className = "caption";
      legend.dataset.breaks = scale.breaks.join(";");
      legend.dataset.mode = scale.mode;
      scale.palette.forEach((colour, i) => {
        let label;
        if (scale.breaks.length === 0) label = "";
        else if (i === 0) label = "< " + fmt(scale.breaks[0], digits);
        else if (i === scale.breaks.length) label = "≥ " + fmt(scale.breaks[i - 1], digits);
        else label = fmt(scale.breaks[i - 1], digits) + " – < " + fmt(scale.breaks[i], digits);
        if (label) legendItem(legend, colour, label).classList.add("class");
      });
      legendItem(legend, null, t("masked"), "masked");
      legendItem(legend, "#cdd3da", t("noData"));
      if (counts.withheld) legendItem(legend, "#cdd3da", t("withheld"), "withheld");
    }

    // ---- axes ------------------------------------------------------------------------------------
    function niceTicks(low, high, count) {
      const span = high - low || Math.abs(high) || 1;
      const step0 = Math.pow(10, Math.floor(Math.log10(span / count)));
      const step = [1, 2, 2.5, 5, 10].map((m) => m * step0).find((s) => span / s <= count) || step0 * 10;
      const ticks = [];
      for (let v = Math.ceil(low / step - 1e-9) * step; v <= high + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
      return ticks;
    }
    function logTicks(low, high) {
      for (const multiples of [[1], [1, 2, 5], [1, 1.5, 2, 3, 4, 5, 7]]) {
        const ticks = [];
        for (let p = Math.floor(Math.log10(low)); p <= Math.ceil(Math.log10(high)); p += 1) {
          multiples.forEach((m) => { const v = m * Math.pow(10, p); if (v >= low * 0.999 && v <= high * 1.001) ticks.push(v); });
        }
        if (ticks.length >= 3) return ticks;
      }
      return niceTicks(low, high, 4).filter((v) => v > 0);
    }
    function tickDigits(ticks) {
      const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
      return Math.max(0, Math.min(4, -Math.floor(Math.log10(step) + 1e-9)));
    }
    function axes(svg, box, xTicks, xPos, xLabel, yTicks, yPos, yLabel, xFormat, yFormat) {
      const grid = el("g", { class: "grid" }, svg);
      yTicks.forEach((v) => el("line", { x1: box.left, x2: box.right, y1: yPos(v), y2: yPos(v) }, grid));
      const axis = el("g", { class: "axis", "aria-hidden": "true" }, svg);
      el("line", { x1: box.left, x2: box.right, y1: box.bottom, y2: box.bottom }, axis);
      el("line", { x1: box.left, x2: box.left, y1: box.top, y2: box.bottom }, axis);
      // A label that would touch the previous one is left out (its tick stays).
      let lastRight = -Infinity;
      xTicks.forEach((v) => {
        el("line", { x1: xPos(v), x2: xPos(v), y1: box.bottom, y2: box.bottom + 4 }, axis);
        const text = xFormat(v);
        const half = text.length * 3.4;
        if (xPos(v) - half < lastRight + 6) return;
        lastRight = xPos(v) + half;
        el("text", { x: xPos(v), y: box.bottom + 16, "text-anchor": "middle", class: "tick" }, axis).textContent = text;
      });
      yTicks.forEach((v) => {
        el("text", { x: box.left - 6, y: yPos(v) + 4, "text-anchor": "end", class: "tick" }, axis).textContent = yFormat(v);
      });
      if (xLabel) el("text", { x: (box.left + box.right) / 2, y: box.bottom + 32, "text-anchor": "middle" }, axis).textContent = xLabel;
      el("text", { x: 12, y: (box.top + box.bottom) / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${(box.top + box.bottom) / 2})` }, axis).textContent = yLabel;
    }
    function linePath(points) {
      let d = "";
      let pen = false;
      points.forEach((p) => {
        if (p === null) { pen = false; return; }
        d += (pen ? "L" : "M") + p[0].toFixed(1) + "," + p[1].toFixed(1);
        pen = true;
      });
      return d;
    }
    // The charts' widths are read once before a render changes the page: reading a width after each
    // chart is drawn makes the browser lay the page out again every time.
    const chartWidths = {};
    function measureCharts() {
      ["series", "funnel", "caterpillar"].forEach((id) => { chartWidths[id] = document.getElementById(id).parentNode.clientWidth; });
    }
    function chartFrame(svg, height, margins) {
      const width = Math.max(300, Math.round((chartWidths[svg.id] || svg.parentNode.clientWidth) - 2) || 520);
      svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
      svg.dataset.width = String(width);
      return { width, height, box: { left: margins[3], right: width - margins[1], top: margins[0], bottom: height - margins[2] } };
    }
    function chartMessage(id, text) {
      const node = document.getElementById(id);
      node.textContent = text || "";
      node.hidden = !text;
    }

    // ---- time series -----------------------------------------------------------------------------
    function seriesOf(level, code) {
      const i = unitIndex(level)[code];
      return DATA.years.map((year) => {
        const cell = block(state.indicator, year, level);
        if (!cell || i === undefined || cell.s[i]) return { v: null, lo: null, hi: null };
        return { v: at(cell.v, i), lo: at(cell.lo, i), hi: at(cell.hi, i) };
      });
    }
    function drawSeries() {
      const svg = document.getElementById("series");
      clear(svg);
      const { box } = chartFrame(svg, 260, [12, 14, 44, 58]);
      const series = [{ level: "country", unit: unitOf("country", "01000"), colour: SERIES_COLOURS["01000"] }];
      const chosen = state.unit && unitIndex(state.level)[state.unit] !== undefined ? unitOf(state.level, state.unit) : null;
      if (chosen) {
        const region = REGION_OF[chosen[0]];
        if (region && region !== chosen[0] && state.level !== "region" && unitIndex("region")[region] !== undefined) series.push({ level: "region", unit: unitOf("region", region), colour: SERIES_COLOURS[region] || "#555" });
        series.push({ level: state.level, unit: chosen, colour: UNIT_COLOUR, band: true, selected: true });
      } else {
        DATA.units.region.forEach((unit) => series.push({ level: "region", unit, colour: SERIES_COLOURS[unit[0]] || "#555" }));
      }
      series.forEach((s) => { s.values = seriesOf(s.level, s.unit[0]); });
      document.getElementById("series-title").textContent = chosen ? t("seriesTitleUnit")(unitName(chosen)) : t("seriesTitle");
      document.getElementById("series-note").textContent = t("seriesNote")(t("unitLong"));
      const legend = document.getElementById("series-legend");
      clear(legend);
      drawSeriesTable(series);
      const all = series.flatMap((s) => s.values.flatMap((p) => [p.v, s.band ? p.lo : null, s.band ? p.hi : null])).filter(known);
      if (all.length === 0) {
        el("text", { x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2, "text-anchor": "middle", class: "empty" }, svg).textContent = t("nothing");
        document.getElementById("series-description").textContent = t("nothing");
        return;
      }
      const low = Math.min(...all);
      const high = Math.max(...all);
      const pad = (high - low) * 0.1 || Math.abs(high) * 0.1 || 1;
      const yTicks = niceTicks(Math.max(0, low - pad), high + pad, 5);
      const y0 = Math.min(yTicks[0], low);
      const y1 = Math.max(yTicks[yTicks.length - 1], high);
      const first = DATA.years[0];
      const last = DATA.years[DATA.years.length - 1];
      const xPos = (year) => box.left + (last === first ? 0.5 : (year - first) / (last - first)) * (box.right - box.left);
      const yPos = (v) => box.bottom - ((v - y0) / (y1 - y0 || 1)) * (box.bottom - box.top);
      const step = Math.max(1, Math.ceil(DATA.years.length / Math.max(2, Math.floor((box.right - box.left) / 48))));
      const xTicks = DATA.years.filter((year, i) => i % step === 0 || year === last);
      axes(svg, box, xTicks, xPos, t("year"), yTicks, yPos, t("unit"), String, (v) => fmt(v, tickDigits(yTicks)));
      el("line", { x1: xPos(state.year), x2: xPos(state.year), y1: box.top, y2: box.bottom, class: "year-mark" }, svg);
      const marks = [];
      series.forEach((s) => {
        if (s.band) {
          const upper = [];
          const lower = [];
          s.values.forEach((p, i) => { if (known(p.lo) && known(p.hi)) { upper.push([xPos(DATA.years[i]), yPos(p.hi)]); lower.unshift([xPos(DATA.years[i]), yPos(p.lo)]); } });
          if (upper.length > 1) el("path", { d: linePath(upper.concat(lower)) + "Z", class: "band", fill: s.colour }, svg);
          if (upper.length) legendItem(legend, s.colour, t("seriesBand")(unitName(s.unit)), "band");
        }
        const points = s.values.map((p, i) => (known(p.v) ? [xPos(DATA.years[i]), yPos(p.v)] : null));
        el("path", { d: linePath(points), class: "series-line" + (s.selected ? " selected" : ""), stroke: s.colour, "data-series": s.unit[0] }, svg);
        s.values.forEach((p, i) => {
          if (!known(p.v)) return;
          const dot = el("circle", { cx: xPos(DATA.years[i]), cy: yPos(p.v), r: 3.2, fill: s.colour, class: "series-point", "data-code": `${s.unit[0]}|${DATA.years[i]}`, tabindex: "-1", role: "img" }, svg);
          dot.dataset.series = s.unit[0];
          marks.push(dot);
        });
        legendItem(legend, s.colour, unitName(s.unit), "line-solid");
      });
      const byCode = {};
      series.forEach((s) => { byCode[s.unit[0]] = s; });
      const describe = (code) => {
        const [unitCode, year] = code.split("|");
        const s = byCode[unitCode];
        const p = s.values[DATA.years.indexOf(Number(year))];
        const interval = known(p.lo) && known(p.hi) ? ` (${t("interval")} ${fmt(p.lo, 2)} – ${fmt(p.hi, 2)})` : "";
        return { title: `${unitName(s.unit)} · ${year}`, lines: [`${t("measures").crude} : ${fmt(p.v, 2)}${interval}`] };
      };
      svg.dataset.selectable = "false";
      interactive(svg, describe, sequenceNext(marks));
      if (marks.length) marks[marks.length - 1].setAttribute("tabindex", "0");
      document.getElementById("series-description").textContent = t("seriesDescription")(series.map((s) => unitName(s.unit)).join(", "), first, last);
    }
    function drawSeriesTable(series) {
      const table = document.getElementById("series-data");
      clear(table);
      html("caption", document.getElementById("series-title").textContent, table);
      const head = html("tr", null, html("thead", null, table));
      html("th", t("year"), head);
      series.forEach((s) => html("th", unitName(s.unit), head));
      const body = html("tbody", null, table);
      DATA.years.forEach((year, i) => {
        const row = html("tr", null, body);
        html("th", String(year), row).scope = "row";
        series.forEach((s) => {
          const p = s.values[i];
          html("td", known(p.v) ? fmt(p.v, 2) + (s.band && known(p.lo) ? ` (${fmt(p.lo, 2)} – ${fmt(p.hi, 2)})` : "") : "–", row);
        });
      });
    }

    // ---- ranked chart (caterpillar) ------------------------------------------------------------------
    function rankedUnits() {
      const cell = current();
      const spec = MEASURES[state.measure];
      const values = column(cell, spec.value) || [];
      const lows = column(cell, spec.low) || [];
      const highs = column(cell, spec.high) || [];
      const ranked = [];
      const masked = [];
      const missing = [];
      DATA.units[state.level].forEach((unit, i) => {
        if (!cell) return;
        if (cell.s[i]) masked.push(unit);
        else if (known(values[i])) ranked.push({ unit, i, v: values[i], lo: at(lows, i), hi: at(highs, i) });
        else missing.push(unit);
      });
      ranked.sort((a, b) => a.v - b.v || (a.unit[0] < b.unit[0] ? -1 : 1));
      return { ranked, masked, missing, cell };
    }
    function drawCaterpillar() {
      const svg = document.getElementById("caterpillar");
      clear(svg);
      const { ranked, masked, missing, cell } = rankedUnits();
      const horizontal = ranked.length > 0 && ranked.length <= 60;
      const height = horizontal ? Math.max(120, ranked.length * 16 + 56) : 300;
      const nameWidth = horizontal ? Math.min(190, 8 + 6.4 * Math.max(...ranked.map((r) => unitName(r.unit).length))) : 58;
      const { box } = chartFrame(svg, height, horizontal ? [10, 16, 40, nameWidth] : [12, 14, 40, 58]);
      const digits = digitsOf(state.measure);
      const label = t("measures")[state.measure];
      document.getElementById("caterpillar-title").textContent = t("caterpillarTitle")(label, t("levels")[state.level], state.year);
      listApart("caterpillar-masked", t("caterpillarMasked")(masked.length), masked);
      listApart("caterpillar-missing", t("caterpillarMissing")(missing.length), missing);
      const legend = document.getElementById("caterpillar-legend");
      clear(legend);
      if (!ranked.length) {
        const text = !cell ? t("nothing") : masked.length && !missing.length ? t("allMasked") : t("allWithheld");
        chartMessage("caterpillar-message", text);
        document.getElementById("caterpillar-description").textContent = text;
        svg.setAttribute("viewBox", `0 0 ${box.right + 16} 40`);
        return;
      }
      chartMessage("caterpillar-message", "");
      const reference = nationalReference(state.measure);
      const all = ranked.flatMap((r) => [r.v, r.lo, r.hi]).filter(known);
      if (known(reference)) all.push(reference);
      const low = Math.min(...all);
      const high = Math.max(...all);
      const pad = (high - low) * 0.05 || Math.abs(high) * 0.05 || 1;
      const valueTicks = niceTicks(Math.max(0, low - pad), high + pad, horizontal ? 6 : 5);
      const v0 = Math.min(valueTicks[0], low);
      const v1 = Math.max(valueTicks[valueTicks.length - 1], high);
      const n = ranked.length;
      const along = horizontal ? [box.top, box.bottom] : [box.left, box.right];
      const across = horizontal ? [box.left, box.right] : [box.bottom, box.top];
      const rankPos = (k) => along[0] + ((k + 0.5) / n) * (along[1] - along[0]);
      const valuePos = (v) => across[0] + ((v - v0) / (v1 - v0 || 1)) * (across[1] - across[0]);
      const point = (k, v) => (horizontal ? [valuePos(v), rankPos(k)] : [rankPos(k), valuePos(v)]);
      const format = (v) => fmt(v, tickDigits(valueTicks));
      if (horizontal) {
        axes(svg, box, valueTicks, valuePos, withUnit("", state.measure).trim() || label, [], () => 0, "", format, String);
      } else {
        axes(svg, box, [], () => 0, t("caterpillarRank") + ` (${n})`, valueTicks, valuePos, measureUnit(state.measure), String, format);
      }
      if (known(reference)) {
        const [a, b] = horizontal ? [[valuePos(reference), box.top], [valuePos(reference), box.bottom]] : [[box.left, valuePos(reference)], [box.right, valuePos(reference)]];
        el("line", { x1: a[0], y1: a[1], x2: b[0], y2: b[1], class: "national" }, svg);
      }
      const group = el("g", { class: "ranks" }, svg);
      const radius = n > 200 ? 1.6 : n > 60 ? 2.4 : 3.5;
      const marks = [];
      ranked.forEach((r, k) => {
        if (known(r.lo) && known(r.hi)) {
          const [x1, y1] = point(k, r.lo);
          const [x2, y2] = point(k, r.hi);
          el("line", { x1, y1, x2, y2, class: "whisker" }, group);
        }
        const [cx, cy] = point(k, r.v);
        const dot = el("circle", { cx, cy, r: radius, class: "rank-point", "data-code": r.unit[0], "data-rank": k + 1, tabindex: "-1", role: "img" }, group);
        marks.push(dot);
        if (horizontal) el("text", { x: box.left - 6, y: rankPos(k) + 4, "text-anchor": "end", class: "tick name", "data-code-label": r.unit[0] }, svg).textContent = unitName(r.unit);
      });
      el("g", { class: "selection-layer" }, svg);
      const byCode = {};
      ranked.forEach((r, k) => { byCode[r.unit[0]] = k; });
      const describe = (code) => {
        const info = describeUnit(state.level, code);
        info.lines.unshift(t("rank")(byCode[code] + 1, n));
        return info;
      };
      // Thin marks are hard to hit: the pointer picks the nearest rank along the axis.
      const pointer = (event) => {
        const frame = svg.getBoundingClientRect();
        const scale = Number(svg.dataset.width) / frame.width;
        const position = horizontal ? (event.clientY - frame.top) * scale : (event.clientX - frame.left) * scale;
        const k = Math.floor(((position - along[0]) / (along[1] - along[0])) * n);
        return k >= 0 && k < n ? ranked[k].unit[0] : null;
      };
      interactive(svg, describe, sequenceNext(marks), pointer);
      rovingStart(svg);
      legendItem(legend, "#0b5e8e", `${t("levels").country} ${known(reference) ? fmt(reference, digits) : "–"}`, "line-solid");
      legendItem(legend, null, t("pointInterval"), "whisker");
      document.getElementById("caterpillar-description").textContent = t("caterpillarDescription")(
        n, `${unitName(ranked[0].unit)} ${fmt(ranked[0].v, digits)}`, `${unitName(ranked[n - 1].unit)} ${fmt(ranked[n - 1].v, digits)}`, known(reference) ? fmt(reference, digits) : "–");
    }
    function listApart(id, summary, units) {
      const details = document.getElementById(id);
      details.hidden = units.length === 0;
      details.querySelector("summary").textContent = summary;
      details.querySelector("p").textContent = units.map((unit) => `${unitName(unit)} (${unit[0]})`).join(", ");
    }

    // ---- funnel plot -----------------------------------------------------------------------------
    function funnelKinds(cell) { return FUNNEL_KINDS.filter((kind) => cell && cell.funnels && cell.funnels[kind]); }
    function drawFunnel() {
      const svg = document.getElementById("funnel");
      clear(svg);
      const { box } = chartFrame(svg, 300, [12, 14, 44, 58]);
      const level = state.level;
      const cell = current();
      const kinds = funnelKinds(cell);
      const kindSelect = document.getElementById("funnel-kind");
      const kind = kinds.includes(state.funnel) ? state.funnel : kinds[0];
      fillSelect(kindSelect, FUNNEL_KINDS.map((k) => [k, t("funnelKinds")[k] + (kinds.includes(k) ? "" : ` (${t("notAvailable")})`), !kinds.includes(k)]), kind || state.funnel);
      kindSelect.disabled = kinds.length < 2;
      document.getElementById("funnel-title").textContent = t("funnelTitle")(t("levels")[level], state.year);
      const legend = document.getElementById("funnel-legend");
      clear(legend);
      const note = document.getElementById("funnel-note");
      const description = document.getElementById("funnel-description");
      const funnel = kind ? cell.funnels[kind] : null;
      const units = DATA.units[level];
      const points = [];
      if (funnel) {
        const xs = cell[funnel.x] || [];
        const ys = cell[funnel.y] || [];
        units.forEach((unit, i) => {
          if (!cell.s[i] && known(xs[i]) && xs[i] > 0 && known(ys[i])) points.push({ i, x: xs[i], y: ys[i] });
        });
      }
      if (!points.length) {
        const text = !cell ? t("nothing") : cell.s.every(Boolean) ? t("allMasked") : t("nothing");
        chartMessage("funnel-message", text);
        note.textContent = "";
        description.textContent = text;
        svg.setAttribute("viewBox", `0 0 ${box.right + 14} 40`);
        return;
      }
      chartMessage("funnel-message", "");
      svg.dataset.kind = kind;
      points.sort((a, b) => a.x - b.x);
      const curves = funnel.curves || { x: [] };
      const limitKeys = ["l95lo", "l95hi", "l998lo", "l998hi", "od95lo", "od95hi", "od998lo", "od998hi"].filter((key) => curves[key]);
      const target = funnel.target;
      const ys = points.map((p) => p.y);
      limitKeys.forEach((key) => curves[key].forEach((limit) => ys.push(limit)));
      if (known(target)) ys.push(target);
      const percent = kind === "crude" && !isVolume();
      const span = Math.max(...ys) - Math.min(...ys) || Math.abs(Math.max(...ys)) || 1;
      const low = Math.max(0, Math.min(...ys) - span * 0.05);
      const high = percent ? Math.min(100, Math.max(...ys) + span * 0.05) : Math.max(...ys) + span * 0.05;
      const yTicks = niceTicks(low, high, 6);
      const y0 = Math.max(0, Math.min(yTicks[0], low));
      const y1 = Math.max(yTicks[yTicks.length - 1], high);
      const xs = points.map((p) => p.x).concat(curves.x);
      const lx0 = Math.log10(Math.min(...xs)) - 0.05;
      const lx1 = Math.log10(Math.max(...xs)) + 0.05;
      const xPos = (d) => box.left + ((Math.log10(d) - lx0) / (lx1 - lx0 || 1)) * (box.right - box.left);
      const yPos = (v) => box.bottom - ((v - y0) / (y1 - y0 || 1)) * (box.bottom - box.top);
      const xTicks = logTicks(Math.pow(10, lx0), Math.pow(10, lx1));
      const yLabel = kind === "ratio" ? t("funnelY").ratio : t("measures").crude;
      axes(svg, box, xTicks, xPos, t("funnelX")[kind], yTicks, yPos, yLabel, (v) => fmtCount(v), (v) => fmt(v, tickDigits(yTicks)));
      if (known(target)) el("line", { x1: box.left, x2: box.right, y1: yPos(target), y2: yPos(target), class: "national" }, svg);
      const clip = el("clipPath", { id: "funnel-clip" }, el("defs", {}, svg));
      el("rect", { x: box.left, y: box.top, width: box.right - box.left, height: box.bottom - box.top }, clip);
      limitKeys.forEach((key) => {
        const line = curves.x.map((d, k) => [xPos(d), yPos(curves[key][k])]);
        const kindClass = key.startsWith("od") ? "od" : key.includes("998") ? "l998" : "l95";
        el("path", { d: linePath(line), class: "limit " + kindClass, "data-limit": key, "clip-path": "url(#funnel-clip)" }, svg);
      });
      const group = el("g", { class: "points" }, svg);
      const marks = [];
      const flagOf = (i) => (known(at(funnel.fl, i)) ? FLAGS[funnel.fl[i]] : "within");
      const counts = {};
      points.forEach((p) => {
        const flag = flagOf(p.i);
        counts[flag] = (counts[flag] || 0) + 1;
        const fdr = funnel.fdr && known(funnel.fdr[p.i]) && funnel.fdr[p.i] !== 0;
        const dot = el("circle", { cx: xPos(p.x), cy: yPos(p.y), r: level === "commune" ? 3 : 5, fill: FLAG_COLOURS[flag], class: "point" + (fdr ? " fdr" : ""), "data-code": units[p.i][0], "data-flag": flag, tabindex: "-1", role: "img" }, group);
        marks.push(dot);
      });
      el("g", { class: "selection-layer" }, svg);
      const byCode = {};
      points.forEach((p) => { byCode[units[p.i][0]] = p; });
      const describe = (code) => {
        const p = byCode[code];
        const digits = kind === "ratio" ? 3 : 2;
        const lines = [`${yLabel} : ${fmt(p.y, digits)}`];
        if (kind === "ratio") lines.push(`${fmtCount(at(cell.n, p.i))} / ${fmt(p.x, 1)} ${t("expected")}`);
        else lines.push(`${fmtCount(at(cell.n, p.i))} ${t("patients")} / ${fmtCount(p.x)} ${t("beneficiaries")}`);
        lines.push(t("flags")[flagOf(p.i)]);
        if (funnel.fdr && known(funnel.fdr[p.i]) && funnel.fdr[p.i] !== 0) lines.push(t("fdr"));
        return { title: `${unitName(units[p.i])} (${units[p.i][0]})`, lines };
      };
      marks.sort((a, b) => Number(a.getAttribute("cx")) - Number(b.getAttribute("cx")));
      interactive(svg, describe, sequenceNext(marks));
      rovingStart(svg);
      const digits = kind === "ratio" ? 3 : 2;
      if (known(target)) legendItem(legend, "#0b5e8e", t("target")[kind](withUnit(fmt(target, digits), kind === "ratio" ? "ratio" : "crude")), "line-solid");
      if (limitKeys.some((key) => key.startsWith("l95"))) legendItem(legend, "#333", t("limit95"), "line-dashed");
      if (limitKeys.some((key) => key.startsWith("l998"))) legendItem(legend, "#333", t("limit998"), "line-solid");
      if (limitKeys.some((key) => key.startsWith("od"))) legendItem(legend, "#a04a00", t("limitOd"), "line-dotted");
      Object.entries(FLAG_COLOURS).forEach(([flag, colour]) => { if (counts[flag]) legendItem(legend, colour, `${t("flags")[flag]} (${counts[flag]})`); });
      if (group.querySelector(".fdr")) legendItem(legend, null, t("fdrShort"), "ring");
      note.textContent = funnelNote(kind, funnel, limitKeys.length > 0, target, Boolean(group.querySelector(".fdr")));
      description.textContent = t("funnelDescription")(points.length, counts.above998 || 0, counts.below998 || 0);
    }
    function funnelNote(kind, funnel, hasLimits, target, rings) {
      const words = t("funnelNote");
      const source = ((DATA.sources.funnel || {})[state.indicator] || {})[state.level];
      if (!known(target) || !hasLimits) return t("noLimits");
      if (source === "binomial_normal" || source === "poisson_normal") return words[source];
      let text = words.table[isVolume() ? "exams" : "patients"] + words.around[kind] + words.fromTable;
      if (funnel.od && funnel.tau2 === 0) text += words.odZero;
      else if (funnel.od) text += words.od((funnel.tau2 || 0).toLocaleString(locale(), { maximumSignificantDigits: 3 }));
      else if (funnel.odWithheld) text += words.odWithheld;
      else text += words.noOd;
      if (rings) text += words.fdr;
      return text;
    }

    // ---- the selected unit in every view ---------------------------------------------------------
    function select(code) {
      if (code && unitIndex(state.level)[code] === undefined) return;
      state.unit = code || null;
      highlight();
      drawSeries();
      drawSelection();
      writeHash();
      if (state.unit) announce(t("selected")(unitName(unitOf(state.level, state.unit))));
    }
    function highlight() {
      const code = state.unit;
      document.querySelectorAll(".selected-mark").forEach((node) => node.remove());
      document.querySelectorAll(".selected").forEach((node) => { if (!node.classList.contains("series-line")) node.classList.remove("selected"); });
      document.querySelectorAll("[aria-current]").forEach((node) => node.removeAttribute("aria-current"));
      if (!code) return;
      document.querySelectorAll(`#map path.unit[data-code="${code}"]`).forEach((path) => {
        const inInset = path.classList.contains("inset-unit");
        const layer = inInset ? path.parentNode.querySelector(".selection-layer") : document.querySelector("#map > g.selection-layer");
        el("path", { d: path.getAttribute("d"), class: "selected-mark" }, layer);
        path.classList.add("selected");
      });
      ["funnel", "caterpillar"].forEach((id) => {
        const svg = document.getElementById(id);
        const mark = svg.querySelector(`[data-code="${code}"]`);
        if (!mark) return;
        mark.classList.add("selected");
        const layer = svg.querySelector(".selection-layer");
        el("circle", { cx: mark.getAttribute("cx"), cy: mark.getAttribute("cy"), r: Number(mark.getAttribute("r")) + 4, class: "selected-mark" }, layer);
        const name = svg.querySelector(`[data-code-label="${code}"]`);
        if (name) name.classList.add("selected");
      });
      const row = document.querySelector(`#figures tbody tr[data-code="${code}"]`);
      if (row) {
        row.classList.add("selected");
        row.setAttribute("aria-current", "true");
        const wrap = row.closest(".table-wrap");
        wrap.scrollTop = Math.max(0, row.offsetTop - wrap.clientHeight / 2);
      }
    }
    function drawSelection() {
      const box = document.getElementById("selection");
      if (!state.unit) { box.hidden = true; return; }
      const unit = unitOf(state.level, state.unit);
      const info = describeUnit(state.level, state.unit);
      const rank = document.querySelector(`#caterpillar [data-code="${state.unit}"]`);
      const total = document.querySelectorAll("#caterpillar .rank-point").length;
      const parts = [`${unitName(unit)} (${unit[0]}, ${t("levelOne")[state.level]})`, ...info.lines];
      if (rank) parts.push(t("rank")(Number(rank.dataset.rank), total));
      document.getElementById("selection-text").textContent = parts.join(" · ");
      box.hidden = false;
    }

    // ---- search --------------------------------------------------------------------------------------
    function normalise(text) {
      return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[-'’.()]/g, " ").replace(/\s+/g, " ").trim();
    }
    const SEARCH_INDEX = MAP_LEVELS.flatMap((level) => DATA.units[level].map((unit) => ({ level, unit, names: [normalise(unit[1] || ""), normalise(unit[2] || "")] })));
    const search = document.getElementById("search");
    const results = document.getElementById("search-results");
    let matches = [];
    let active = -1;
    function findUnits(query) {
      const q = normalise(query);
      if (!q) return [];
      const scored = [];
      SEARCH_INDEX.forEach((entry) => {
        let score = null;
        if (entry.unit[0] === q) score = 0;
        else if (entry.names.includes(q)) score = 1;
        else if (entry.unit[0].startsWith(q)) score = 2;
        else if (entry.names.some((name) => name.startsWith(q))) score = 3;
        else if (entry.names.some((name) => name.split(" ").some((word) => word.startsWith(q)))) score = 4;
        else if (entry.names.some((name) => name.includes(q))) score = 5;
        if (score !== null) scored.push({ score: score * 10 + MAP_LEVELS.indexOf(entry.level), entry });
      });
      scored.sort((a, b) => a.score - b.score || unitName(a.entry.unit).localeCompare(unitName(b.entry.unit), locale()));
      return scored.slice(0, 12).map((item) => item.entry);
    }
    function showResults() {
      clear(results);
      matches = findUnits(search.value);
      active = matches.length ? 0 : -1;
      if (!search.value.trim()) { closeResults(); return; }
      if (!matches.length) {
        const item = html("li", t("searchNone"), results);
        item.className = "none";
        item.setAttribute("aria-disabled", "true");
      }
      matches.forEach((entry, k) => {
        const item = html("li", null, results);
        item.id = `search-option-${k}`;
        item.setAttribute("role", "option");
        item.dataset.code = entry.unit[0];
        item.dataset.level = entry.level;
        const other = state.lang === "fr" ? entry.unit[2] : entry.unit[1];
        html("span", unitName(entry.unit), item).className = "name";
        html("span", `${other && other !== unitName(entry.unit) ? other + " · " : ""}${t("levelOne")[entry.level]} · ${entry.unit[0]}`, item).className = "detail";
        item.addEventListener("mousedown", (event) => { event.preventDefault(); choose(k); });
      });
      results.hidden = false;
      search.setAttribute("aria-expanded", "true");
      markActive();
      announce(matches.length ? t("searchCount")(matches.length) : t("searchNone"));
    }
    function markActive() {
      Array.from(results.querySelectorAll("[role=option]")).forEach((item, k) => item.setAttribute("aria-selected", String(k === active)));
      if (active >= 0) search.setAttribute("aria-activedescendant", `search-option-${active}`);
      else search.removeAttribute("aria-activedescendant");
    }
    function closeResults() {
      results.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
    }
    function choose(k) {
      const entry = matches[k];
      if (!entry) return;
      closeResults();
      search.value = unitName(entry.unit);
      if (state.level !== entry.level) {
        state.level = entry.level;
        state.unit = entry.unit[0];
        render();
      } else {
        select(entry.unit[0]);
      }
      announce(t("selected")(unitName(entry.unit)));
    }
    search.addEventListener("input", showResults);
    search.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (results.hidden) showResults();
        if (!matches.length) return;
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : -1) + matches.length) % matches.length;
        markActive();
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (results.hidden) showResults();
        choose(Math.max(0, active));
      } else if (event.key === "Escape") {
        closeResults();
      }
    });
    search.addEventListener("blur", () => setTimeout(closeResults, 150));

    // ---- variation statistics --------------------------------------------------------------------
    function drawVariation() {
      const body = document.getElementById("variation").tBodies[0];
      clear(body);
      document.getElementById("variation-title").textContent = t("variationTitle")(t("levels")[state.level], state.year);
      const stats = (((DATA.variation || {})[state.indicator] || {})[String(state.year)] || {})[state.level];
      const labels = t("statistics");
      const row = (key, text) => {
        const tr = html("tr", null, body);
        tr.dataset.statistic = key;
        html("th", labels[key] || "", tr).scope = "row";
        html("td", text, tr);
      };
      if (!stats) { chartMessage("variation-message", t("variationMissing")); return; }
      const messages = [];
      if (stats.withheld) messages.push(reason(stats.withheld, t("variationWhat")));
      if (stats.crude_withheld) messages.push(reason(stats.crude_withheld, t("variationWhat")));
      if (stats.zero) messages.push(t("variationZero"));
      chartMessage("variation-message", messages.join(" "));
      const value = (key, digits, factor) => (known(stats[key]) ? fmt(stats[key] * (factor || 1), digits) : "–");
      row("units", `${fmtCount(stats.units_shown)} / ${fmtCount(stats.units_masked)}`);
      if (known(stats.units_low)) row("units_low", fmtCount(stats.units_low));
      if (stats.withheld) return;
      row("eq", value("eq", 2));
      row("eq595", value("eq595", 2));
      row("cv", value("cv", 3));
      row("cvw", value("cvw", 3));
      row("scv", value("scv", 2, 100));
      const high = known(stats.eb_hi) ? fmt(stats.eb_hi, 4) : "…";
      row("eb", `${value("eb", 4)} (${value("eb_lo", 4)} – ${high})`);
      if (isVolume() && known(stats.dispersion)) row("dispersion", value("dispersion", 2));
    }

    // ---- table and CSV ---------------------------------------------------------------------------
    const CSV_COLUMNS = [
      ["numerator", "n"], ["denominator", "d"], ["value", "v"], ["ci_low", "lo"], ["ci_high", "hi"],
      ["standardised_value", "sv"], ["standardised_ci_low", "slo"], ["standardised_ci_high", "shi"],
      ["eb_smoothed_value", "eb"], ["eb_smoothed_ci_low", "eblo"], ["eb_smoothed_ci_high", "ebhi"],
      ["ratio", "r"], ["ratio_ci_low", "rlo"], ["ratio_ci_high", "rhi"], ["expected", "e"],
    ];
    const CSV_REASONS = [["standardised_withheld_reason", "sw"], ["smoothing_withheld_reason", "ebw"]];
    function tableRows() {
      const cell = current();
      return DATA.units[state.level].map((unit, i) => {
        const row = { unit, masked: Boolean(cell && cell.s[i]) };
        CSV_COLUMNS.concat(CSV_REASONS).forEach(([, key]) => { row[key] = cell ? at(column(cell, key), i) : null; });
        return row;
      });
    }
    function interval(low, high, digits) { return known(low) && known(high) ? `${fmt(low, digits)} – ${fmt(high, digits)}` : ""; }
    function drawTable() {
      const table = document.getElementById("figures");
      const head = table.tHead;
      const body = table.tBodies[0];
      clear(head);
      clear(body);
      const entry = indicatorEntry();
      document.getElementById("figures-caption").textContent = t("tableCaption")(indicatorName(entry), t("levels")[state.level], state.year);
      const headRow = html("tr", null, head);
      t("columns").forEach((name) => { html("th", name, headRow).scope = "col"; });
      const withheldText = (code, k) => (code ? reason(code, t("columns")[k]) : "");
      if (!current()) {
        const cell = html("td", t("nothing"), html("tr", null, body));
        cell.colSpan = t("columns").length;
        cell.className = "empty-row";
      }
      tableRows().filter(() => current()).forEach((row) => {
        const tr = html("tr", null, body);
        tr.dataset.code = row.unit[0];
        if (row.masked) tr.className = "masked";
        const status = row.masked ? t("statusMasked") : !known(row.d) || row.d === 0 ? t("statusNoData") : t("statusShown");
        const cells = [
          row.unit[0], unitName(row.unit), fmtCount(row.n), fmtCount(row.d), fmt(row.v, 2), interval(row.lo, row.hi, 2),
          known(row.sv) ? fmt(row.sv, 2) : row.sw ? "…" : "–", interval(row.slo, row.shi, 2),
          known(row.eb) ? fmt(row.eb, 2) : row.ebw ? "…" : "–", interval(row.eblo, row.ebhi, 2),
          fmt(row.r, 3), interval(row.rlo, row.rhi, 3), status,
        ];
        cells.forEach((text, k) => {
          const td = html(k === 1 ? "th" : "td", text, tr);
          if (k === 1) td.scope = "row";
          if (k === 6 && row.sw) td.title = withheldText(row.sw, k);
          if (k === 8 && row.ebw) td.title = withheldText(row.ebw, k);
        });
        tr.addEventListener("click", () => select(row.unit[0]));
      });
      document.getElementById("table-title").textContent = t("tableTitle")(t("levels")[state.level], state.year);
    }
    // Excel in fr-BE and nl-BE reads ';' between fields and ',' as the decimal mark, and needs the
    // byte-order mark to take the file as UTF-8.
    function csvNumber(value) { return known(value) ? String(value).replace(".", ",") : ""; }
    function csvText() {
      const header = ["indicator_code", "year", "geo_level", "geo_code", "geo_name_fr", "geo_name_nl", "suppressed", "unit", ...CSV_COLUMNS.map(([name]) => name), ...CSV_REASONS.map(([name]) => name)];
      const quote = (text) => (/[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
      const unit = t("unitLong");
      const lines = tableRows().map((row) => [
        state.indicator, String(state.year), state.level, row.unit[0], row.unit[1], row.unit[2], row.masked ? "true" : "false", unit,
        ...CSV_COLUMNS.map(([, key]) => csvNumber(row[key])),
        ...CSV_REASONS.map(([, key]) => row[key] || ""),
      ].map(quote).join(";"));
      return "\ufeff" + [header.join(";"), ...lines].join("\r\n") + "\r\n";
    }
    function saveFile(name, href) {
      const link = document.createElement("a");
      link.href = href;
      link.download = name;
      document.body.appendChild(link);
      link.click();
      link.remove();
    }
    function viewName() { return `${state.indicator}_${state.level}_${state.year}`; }
    function downloadCsv() { saveFile(`${viewName()}.csv`, "data:text/csv;charset=utf-8," + encodeURIComponent(csvText())); }

    // ---- export: SVG and PNG ---------------------------------------------------------------------
    // The chart's SVG with its title, legend and notes written into it, and the page's stylesheet, so
    // the file reads alone.
    function exportSvgText(chart) {
      const section = document.getElementById(`${chart}-section`);
      const svg = document.getElementById(chart);
      const view = svg.viewBox.baseVal;
      const width = Math.max(view.width, 480);
      const legendItems = Array.from(section.querySelectorAll(".legend > .item, .legend > .caption"));
      const notes = Array.from(section.querySelectorAll(".message:not([hidden]), p.note[id]")).map((node) => node.textContent).filter(Boolean);
      const lineHeight = 16;
      const wrap = (text, size) => {
        const chars = Math.floor(width / (size * 0.55));
        const lines = [];
        let line = "";
        text.split(" ").forEach((word) => {
          if ((line + " " + word).trim().length > chars) { lines.push(line); line = word; } else line = (line + " " + word).trim();
        });
        if (line) lines.push(line);
        return lines;
      };
      const noteLines = notes.flatMap((text) => wrap(text, 11));
      const top = 30;
      const legendTop = top + view.height + 10;
      const notesTop = legendTop + legendItems.length * lineHeight + 8;
      const height = notesTop + noteLines.length * 14 + 24;
      const root = document.createElementNS(SVG_NS, "svg");
      root.setAttribute("xmlns", SVG_NS);
      root.setAttribute("width", width);
      root.setAttribute("height", height);
      root.setAttribute("viewBox", `0 0 ${width} ${height}`);
      el("style", {}, root).textContent = document.querySelector("style").textContent;
      el("rect", { width, height, fill: "#ffffff" }, root);
      el("text", { x: 8, y: 20, class: "export-title" }, root).textContent = section.querySelector("h2").textContent;
      const copy = svg.cloneNode(true);
      copy.removeAttribute("class");
      copy.setAttribute("x", 0);
      copy.setAttribute("y", top);
      copy.setAttribute("width", view.width);
      copy.setAttribute("height", view.height);
      copy.querySelectorAll("[tabindex]").forEach((node) => node.removeAttribute("tabindex"));
      root.appendChild(copy);
      legendItems.forEach((item, k) => {
        const y = legendTop + k * lineHeight;
        const kind = item.dataset.kind || "";
        if (item.classList.contains("caption")) {
          el("text", { x: 8, y: y + 10, class: "export-text" }, root).textContent = item.textContent;
          return;
        }
        if (kind.startsWith("line")) el("line", { x1: 8, x2: 28, y1: y + 6, y2: y + 6, stroke: item.dataset.colour, "stroke-width": 2, "stroke-dasharray": kind === "line-dashed" ? "5 4" : kind === "line-dotted" ? "2 3" : "none" }, root);
        else el("rect", { x: 8, y, width: 20, height: 12, fill: kind === "masked" ? "url(#masked-hatch)" : item.dataset.colour || "none", stroke: "#8c96a3", "stroke-width": kind === "ring" ? 2 : 0.5 }, root);
        el("text", { x: 34, y: y + 10, class: "export-text" }, root).textContent = item.textContent;
      });
      noteLines.forEach((line, k) => { el("text", { x: 8, y: notesTop + k * 14 + 10, class: "export-note" }, root).textContent = line; });
      el("text", { x: 8, y: height - 8, class: "export-note" }, root).textContent = t("footer");
      return new XMLSerializer().serializeToString(root);
    }
    function exportChart(chart, format) {
      const text = exportSvgText(chart);
      const name = `${viewName()}_${chart}`;
      const href = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
      if (format === "svg") { saveFile(`${name}.svg`, href); return; }
      const image = new Image();
      image.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = image.width * 2;
        canvas.height = image.height * 2;
        const context = canvas.getContext("2d");
        context.scale(2, 2);
        context.drawImage(image, 0, 0);
        saveFile(`${name}.png`, canvas.toDataURL("image/png"));
      };
      image.src = href;
    }
    function drawExportButtons() {
      document.querySelectorAll(".exports").forEach((holder) => {
        clear(holder);
        const chart = holder.dataset.chart;
        [["png", t("exportPng")], ["svg", t("exportSvg")]].forEach(([format, label]) => {
          const button = html("button", label, holder);
          button.type = "button";
          button.className = "export";
          button.dataset.format = format;
          button.setAttribute("aria-label", t("exportLabel")(t("exportWhat")[chart], label));
          button.addEventListener("click", () => exportChart(chart, format));
        });
      });
    }

    // ---- metadata --------------------------------------------------------------------------------
    function indicatorName(entry) { return entry.meta[state.lang].name || entry.meta.fr.name || entry.code; }
    function drawMetadata() {
      const list = document.getElementById("metadata");
      clear(list);
      const entry = indicatorEntry();
      html("dt", t("code"), list);
      html("dd", `${entry.atlas_code} (${entry.code})`, list);
      if (entry.code_status) {
        html("dt", t("codeStatus"), list);
        html("dd", t("codeStatuses")[entry.code_status] || entry.code_status, list);
      }
      DATA.fields.forEach(([field, labelFr, labelNl]) => {
        const text = entry.meta[state.lang][field];
        if (!text) return;
        html("dt", state.lang === "fr" ? labelFr : labelNl, list);
        html("dd", text, list);
      });
    }

    // ---- the view in the URL hash ------------------------------------------------------------------
    function hashText() {
      const params = new URLSearchParams();
      ["indicator", "year", "level", "measure", "classes", "funnel", "lang"].forEach((key) => params.set(key, String(state[key])));
      if (state.unit) params.set("unit", state.unit);
      return "#" + params.toString();
    }
    function writeHash() {
      const hash = hashText();
      if (location.hash !== hash) history.replaceState(null, "", hash);
      document.getElementById("permalink").href = hash;
    }
    function readHash() {
      const params = new URLSearchParams(location.hash.slice(1));
      const pick = (key, allowed, parse) => {
        const raw = params.get(key);
        if (raw === null) return DEFAULTS[key];
        const value = parse ? parse(raw) : raw;
        return allowed.includes(value) ? value : DEFAULTS[key];
      };
      state.lang = pick("lang", ["fr", "nl"]);
      state.indicator = pick("indicator", DATA.indicators.map((entry) => entry.code));
      state.year = pick("year", DATA.years, Number);
      state.level = pick("level", MAP_LEVELS);
      state.measure = pick("measure", Object.keys(MEASURES));
      state.classes = pick("classes", ["fixed", "year"]);
      state.funnel = pick("funnel", FUNNEL_KINDS);
      const unit = params.get("unit");
      state.unit = unit && unitIndex(state.level)[unit] !== undefined ? unit : null;
    }

    // ---- controls --------------------------------------------------------------------------------
    function fillSelect(select, options, selected) {
      clear(select);
      options.forEach(([value, label, disabled]) => {
        const option = html("option", label, select);
        option.value = String(value);
        option.disabled = Boolean(disabled);
        option.selected = String(value) === String(selected);
      });
    }
    function fillControls() {
      fillSelect(document.getElementById("indicator"), DATA.indicators.map((entry) => [entry.code, `${indicatorName(entry)} · ${entry.atlas_code}`]), state.indicator);
      fillSelect(document.getElementById("year"), DATA.years.slice().reverse().map((year) => [year, String(year)]), state.year);
      fillSelect(document.getElementById("level"), MAP_LEVELS.map((level) => [level, t("levels")[level]]), state.level);
      if (!measureAvailable(state.measure, state.level)) state.measure = "crude";
      fillSelect(document.getElementById("measure"), Object.keys(MEASURES).map((measure) => {
        const available = measureAvailable(measure, state.level);
        return [measure, t("measures")[measure] + (available ? "" : ` (${t("notAvailable")})`), !available];
      }), state.measure);
      fillSelect(document.getElementById("classes"), ["fixed", "year"].map((mode) => [mode, t("classOptions")[mode]]), state.classes);
      document.getElementById("classes").disabled = MEASURES[state.measure].ratio;
    }
    function applyLanguage() {
      document.documentElement.lang = state.lang;
      document.title = t("title");
      document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
      document.querySelectorAll(".language button").forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang)));
      search.placeholder = t("searchPlaceholder");
      document.getElementById("footer").textContent = t("footer");
    }
    function printSummary() {
      const entry = indicatorEntry();
      const parts = [indicatorName(entry), t("levels")[state.level], String(state.year), t("measures")[state.measure], t("classOptions")[state.classes]];
      if (state.unit) parts.push(unitName(unitOf(state.level, state.unit)));
      document.getElementById("print-summary").textContent = `${t("printView")} : ${parts.join(" · ")} — ${location.href}`;
    }
    function render() {
      if (state.unit && unitIndex(state.level)[state.unit] === undefined) state.unit = null;
      measureCharts();
      applyLanguage();
      fillControls();
      drawExportButtons();
      drawMap();
      drawCaterpillar();
      drawFunnel();
      drawSeries();
      drawVariation();
      drawTable();
      drawMetadata();
      highlight();
      drawSelection();
      writeHash();
      printSummary();
      document.body.dataset.ready = "true";
    }

    document.getElementById("indicator").addEventListener("change", (event) => { state.indicator = event.target.value; render(); });
    document.getElementById("year").addEventListener("change", (event) => { state.year = Number(event.target.value); render(); });
    document.getElementById("level").addEventListener("change", (event) => { state.level = event.target.value; render(); });
    document.getElementById("measure").addEventListener("change", (event) => { state.measure = event.target.value; render(); });
    document.getElementById("classes").addEventListener("change", (event) => { state.classes = event.target.value; render(); });
    document.getElementById("funnel-kind").addEventListener("change", (event) => { state.funnel = event.target.value; drawFunnel(); highlight(); writeHash(); });
    document.querySelectorAll(".language button").forEach((button) => button.addEventListener("click", () => { state.lang = button.dataset.lang; render(); }));
    document.getElementById("download").addEventListener("click", downloadCsv);
    document.getElementById("clear-selection").addEventListener("click", () => { search.value = ""; select(null); });
    document.getElementById("print").addEventListener("click", () => window.print());
    document.addEventListener("click", (event) => { if (!event.target.closest("[data-code]")) hideTooltip(); });
    window.addEventListener("hashchange", () => { readHash(); render(); });
    // Printed, the units listed apart are shown, then folded back as they were.
    let folded = [];
    window.addEventListener("beforeprint", () => {
      printSummary();
      folded = Array.from(document.querySelectorAll("details:not([open])"));
      folded.forEach((node) => { node.open = true; });
    });
    window.addEventListener("afterprint", () => { folded.forEach((node) => { node.open = false; }); folded = []; });
    let resizeTimer = null;
    let lastWidth = window.innerWidth;
    window.addEventListener("resize", () => {
      if (window.innerWidth === lastWidth) return;
      lastWidth = window.innerWidth;
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => { measureCharts(); drawCaterpillar(); drawFunnel(); drawSeries(); highlight(); }, 150);
    });
    readHash();
    render();
    performance.mark("atlas-ready");
  }
})();
