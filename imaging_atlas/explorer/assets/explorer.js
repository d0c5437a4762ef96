// The Atlas explorer's own script (no library): it decodes the inlined TopoJSON boundaries, draws the
// choropleth, the time series and the funnel plot as SVG, fills the table and the metadata, builds the
// CSV download and switches every label between French and Dutch. It reads only the two JSON elements
// of the page (gzip + base64, inflated by the browser's DecompressionStream) and fetches nothing.
(function () {
  "use strict";

  async function inflate(id) {
    const bytes = Uint8Array.from(atob(document.getElementById(id).textContent.trim()), (c) => c.charCodeAt(0));
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

    const TEXT = {
      fr: {
        title: "Atlas IMA-AIM · imagerie médicale",
        subtitle: "Explorateur hors ligne des chiffres publiés (secret statistique appliqué)",
        indicator: "Indicateur",
        year: "Année",
        level: "Niveau",
        measure: "Mesure",
        levels: { country: "Belgique", region: "Régions", province: "Provinces", arrondissement: "Arrondissements", commune: "Communes" },
        levelOne: { country: "pays", region: "région", province: "province", arrondissement: "arrondissement", commune: "commune" },
        measures: { crude: "Taux brut (%)", standardised: "Taux standardisé âge-sexe (%)", eb: "Taux lissé (Bayes empirique, %)", ratio: "Rapport à la Belgique" },
        notAvailable: "non disponible ici",
        mapTitle: (measure, level, year) => `${measure} · ${level} · ${year}`,
        masked: "Masqué (secret statistique)",
        noData: "Pas de chiffre",
        seriesTitle: "Évolution : Belgique et régions (taux brut, %)",
        funnelTitle: (level, year) => `Graphique en entonnoir · ${level} · ${year}`,
        funnelX: "Bénéficiaires (échelle log)",
        funnelY: "Taux brut (%)",
        national: "Belgique",
        limit95: "limites 95 %",
        limit998: "limites 99,8 %",
        limitOd: "limites ajustées (surdispersion)",
        above998: "au-dessus (99,8 %)",
        above95: "au-dessus (95 %)",
        within: "dans les limites",
        below95: "en dessous (95 %)",
        below998: "en dessous (99,8 %)",
        funnelSource: "Limites : ",
        sources: {
          funnel_plot_data: "funnel_plot_data (binomiales exactes)",
          binomial_normal: "binomiales, approximation normale autour du taux belge (calculées par l'explorateur)",
          poisson_normal: "de Poisson, approximation normale autour du volume belge (calculées par l'explorateur)",
          standardised_ratios: "observé / attendu (standardisation indirecte, standardised_ratios)",
          crude_over_belgium: "taux brut / taux brut de la Belgique",
        },
        overdispersion: "surdispersion : ",
        variationTitle: (level, year) => `Variation entre ${level.toLowerCase()} · ${year}`,
        variationNote: "Statistiques de variation (variation_statistics) calculées sur les seules cellules publiées ; les unités masquées en sont exclues.",
        variationMissing: "Pas de statistique de variation pour ce niveau ou cet indicateur (provinces, arrondissements et communes, indicateurs en %).",
        statistics: {
          units: "Unités publiées / masquées",
          eq: "Quotient extrême (max / min)",
          eq595: "Quotient extrême P95 / P5",
          cv: "Coefficient de variation",
          cvw: "Coefficient de variation pondéré",
          scv: "Composante systématique de variation (SCV × 100)",
          eb: "Statistique bayésienne empirique (IC 95 %)",
        },
        tableTitle: (level, year) => `Chiffres · ${level} · ${year}`,
        download: "Télécharger (CSV)",
        columns: ["Code", "Nom", "Patients", "Bénéficiaires", "Taux brut (%)", "IC 95 %", "Taux standardisé (%)", "IC 95 %", "Taux lissé (%)", "Rapport à la Belgique", "IC 95 %", "Statut"],
        statusShown: "publié",
        statusMasked: "masqué",
        statusNoData: "pas de bénéficiaire",
        metaTitle: "Métadonnées de l'indicateur",
        code: "Code",
        codeStatus: "Statut du code",
        ratioSource: "Rapport : ",
        mapNote: "Hachuré : cellule masquée par le secret statistique (moins de 5 personnes, ou masquage complémentaire). Les taux standardisés, lissés et les rapports ne sont montrés que là où le taux publié l'est.",
        footer: "Source : IMA-AIM, chiffres calculés par le projet imaging_atlas (couche de publication). Limites : bmesuere/belgium-topojson (CC0), codes Statbel REFNIS (CC BY 4.0).",
        patients: "patients",
        beneficiaries: "bénéficiaires",
        interval: "IC 95 %",
        unit: "%",
        // A volume indicator (exams per 100 beneficiaries) replaces these labels.
        volume: {
          measures: { crude: "Examens pour 100 bénéficiaires", standardised: "Volume standardisé âge-sexe", eb: "Volume lissé (Bayes empirique)", ratio: "Rapport à la Belgique" },
          seriesTitle: "Évolution : Belgique et régions (examens pour 100 bénéficiaires)",
          funnelY: "Examens pour 100 bénéficiaires",
          columns: ["Code", "Nom", "Examens", "Bénéficiaires", "Examens / 100 bén.", "IC 95 %", "Standardisé", "IC 95 %", "Lissé", "Rapport à la Belgique", "IC 95 %", "Statut"],
          patients: "examens",
          unit: "/100",
        },
      },
      nl: {
        title: "IMA-AIM Atlas · medische beeldvorming",
        subtitle: "Offline verkenner van de gepubliceerde cijfers (statistisch geheim toegepast)",
        indicator: "Indicator",
        year: "Jaar",
        level: "Niveau",
        measure: "Maat",
        levels: { country: "België", region: "Gewesten", province: "Provincies", arrondissement: "Arrondissementen", commune: "Gemeenten" },
        levelOne: { country: "land", region: "gewest", province: "provincie", arrondissement: "arrondissement", commune: "gemeente" },
        measures: { crude: "Ruw cijfer (%)", standardised: "Gestandaardiseerd cijfer leeftijd-geslacht (%)", eb: "Afgevlakt cijfer (empirisch Bayes, %)", ratio: "Verhouding tot België" },
        notAvailable: "hier niet beschikbaar",
        mapTitle: (measure, level, year) => `${measure} · ${level} · ${year}`,
        masked: "Gemaskeerd (statistisch geheim)",
        noData: "Geen cijfer",
        seriesTitle: "Evolutie: België en gewesten (ruw cijfer, %)",
        funnelTitle: (level, year) => `Trechterdiagram · ${level} · ${year}`,
        funnelX: "Rechthebbenden (log-schaal)",
        funnelY: "Ruw cijfer (%)",
        national: "België",
        limit95: "grenzen 95 %",
        limit998: "grenzen 99,8 %",
        limitOd: "aangepaste grenzen (overdispersie)",
        above998: "boven (99,8 %)",
        above95: "boven (95 %)",
        within: "binnen de grenzen",
        below95: "onder (95 %)",
        below998: "onder (99,8 %)",
        funnelSource: "Grenzen: ",
        sources: {
          funnel_plot_data: "funnel_plot_data (exact binomiaal)",
          binomial_normal: "binomiaal, normale benadering rond het Belgische cijfer (berekend door de verkenner)",
          poisson_normal: "Poisson, normale benadering rond het Belgische volume (berekend door de verkenner)",
          standardised_ratios: "waargenomen / verwacht (indirecte standaardisatie, standardised_ratios)",
          crude_over_belgium: "ruw cijfer / ruw cijfer van België",
        },
        overdispersion: "overdispersie: ",
        variationTitle: (level, year) => `Variatie tussen ${level.toLowerCase()} · ${year}`,
        variationNote: "Variatiestatistieken (variation_statistics) berekend op de gepubliceerde cellen alleen; gemaskeerde eenheden zijn uitgesloten.",
        variationMissing: "Geen variatiestatistiek voor dit niveau of deze indicator (provincies, arrondissementen en gemeenten, indicatoren in %).",
        statistics: {
          units: "Gepubliceerde / gemaskeerde eenheden",
          eq: "Extremaalquotiënt (max / min)",
          eq595: "Extremaalquotiënt P95 / P5",
          cv: "Variatiecoëfficiënt",
          cvw: "Gewogen variatiecoëfficiënt",
          scv: "Systematische variatiecomponent (SCV × 100)",
          eb: "Empirische-Bayesstatistiek (BI 95 %)",
        },
        tableTitle: (level, year) => `Cijfers · ${level} · ${year}`,
        download: "Downloaden (CSV)",
        columns: ["Code", "Naam", "Patiënten", "Rechthebbenden", "Ruw cijfer (%)", "BI 95 %", "Gestandaardiseerd (%)", "BI 95 %", "Afgevlakt (%)", "Verhouding tot België", "BI 95 %", "Status"],
        statusShown: "gepubliceerd",
        statusMasked: "gemaskeerd",
        statusNoData: "geen rechthebbende",
        metaTitle: "Metadata van de indicator",
        code: "Code",
        codeStatus: "Status van de code",
        ratioSource: "Verhouding: ",
        mapNote: "Gearceerd: cel gemaskeerd door het statistisch geheim (minder dan 5 personen, of aanvullende maskering). Gestandaardiseerde en afgevlakte cijfers en verhoudingen worden enkel getoond waar het gepubliceerde cijfer getoond wordt.",
        footer: "Bron: IMA-AIM, cijfers berekend door het project imaging_atlas (publicatielaag). Grenzen: bmesuere/belgium-topojson (CC0), codes Statbel REFNIS (CC BY 4.0).",
        patients: "patiënten",
        beneficiaries: "rechthebbenden",
        interval: "BI 95 %",
        unit: "%",
        volume: {
          measures: { crude: "Onderzoeken per 100 rechthebbenden", standardised: "Gestandaardiseerd volume leeftijd-geslacht", eb: "Afgevlakt volume (empirisch Bayes)", ratio: "Verhouding tot België" },
          seriesTitle: "Evolutie: België en gewesten (onderzoeken per 100 rechthebbenden)",
          funnelY: "Onderzoeken per 100 rechthebbenden",
          columns: ["Code", "Naam", "Onderzoeken", "Rechthebbenden", "Onderz. / 100 rechth.", "BI 95 %", "Gestandaardiseerd", "BI 95 %", "Afgevlakt", "Verhouding tot België", "BI 95 %", "Status"],
          patients: "onderzoeken",
          unit: "/100",
        },
      },
    };

    const MEASURES = {
      crude: { value: "v", low: "lo", high: "hi", ratio: false },
      standardised: { value: "sv", low: "slo", high: "shi", ratio: false },
      eb: { value: "eb", low: null, high: null, ratio: false },
      ratio: { value: "r", low: "rlo", high: "rhi", ratio: true },
    };
    const MAP_LEVELS = ["commune", "arrondissement", "province", "region"];
    const GEOMETRY = {
      commune: ["communes", "commune_nis"],
      arrondissement: ["arrondissements", "arrondissement_nis"],
      province: ["provinces", "province_nis"],
      region: ["regions", "region_nis"],
    };
    const OUTLINES = { commune: ["provinces", "regions"], arrondissement: ["provinces", "regions"], province: ["regions"], region: [] };
    const SEQUENTIAL = ["#f7fcb9", "#d9f0a3", "#addd8e", "#78c679", "#41ab5d", "#238443", "#005a32"];
    const DIVERGING = ["#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"];
    const RATIO_BREAKS = [0.75, 0.85, 0.95, 1.05, 1.15, 1.25];
    const SERIES_COLOURS = { "01000": "#1f2933", "02000": "#e69f00", "03000": "#cc3311", "04000": "#0072b2" };
    const FLAG_COLOURS = { above998: "#b2182b", above95: "#ef8a62", within: "#8c96a3", below95: "#67a9cf", below998: "#2166ac" };
    const MAP_WIDTH = 800;
    const MAP_PAD = 10;

    const state = { lang: "fr", indicator: DATA.indicators[0].code, year: DATA.years[DATA.years.length - 1], level: "commune", measure: "crude" };
    const geometryCache = {};

    // ---- helpers ---------------------------------------------------------------------------------
    function t(key) {
      const text = TEXT[state.lang];
      const entry = DATA.indicators.find((indicator) => indicator.code === state.indicator);
      return entry && entry.measure !== "patients" && key in text.volume ? text.volume[key] : text[key];
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
    function fmt(value, digits) {
      if (value === null || value === undefined) return "–";
      return value.toLocaleString(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits });
    }
    function fmtCount(value) { return value === null || value === undefined ? "–" : value.toLocaleString(locale()); }
    function digitsOf(measure) { return MEASURES[measure].ratio ? 3 : 2; }
    function unitName(unit) { return state.lang === "fr" ? unit[1] || unit[2] : unit[2] || unit[1]; }
    function column(block, key) { return block && key && block[key] ? block[key] : null; }
    function at(array, index) { return array ? array[index] : null; }

    function block(indicator, year, level) {
      const years = DATA.figures[indicator] || {};
      const levels = years[String(year)] || {};
      return levels[level] || null;
    }
    function unitIndex(level) {
      const index = {};
      DATA.units[level].forEach((unit, i) => { index[unit[0]] = i; });
      return index;
    }
    function measureAvailable(measure, level) {
      const current = block(state.indicator, state.year, level);
      return Boolean(column(current, MEASURES[measure].value));
    }

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
    function ringPath(ring) {
      const points = [];
      ring.forEach((arcIndex, k) => {
        const arc = arcIndex >= 0 ? ARCS[arcIndex] : ARCS[~arcIndex].slice().reverse();
        arc.forEach((point, j) => { if (j > 0 || k === 0) points.push(point); });
      });
      return "M" + points.map((p) => p[0].toFixed(1) + "," + p[1].toFixed(1)).join("L") + "Z";
    }
    function geometryPath(geometry) {
      const polygons = geometry.type === "Polygon" ? [geometry.arcs] : geometry.type === "MultiPolygon" ? geometry.arcs : [];
      return polygons.map((rings) => rings.map(ringPath).join("")).join("");
    }
    function shapes(objectName, codeProperty) {
      if (!geometryCache[objectName]) {
        geometryCache[objectName] = TOPO.objects[objectName].geometries.map((geometry) => ({
          code: geometry.properties[codeProperty],
          d: geometryPath(geometry),
        }));
      }
      return geometryCache[objectName];
    }

    // ---- colours ---------------------------------------------------------------------------------
    // Classes of equal counts of units; when ties (a rare exam: most communes at 0 %) leave fewer than
    // four classes, equal intervals between the lowest and highest value instead.
    function quantileBreaks(sorted, classes) {
      const breaks = [];
      for (let i = 1; i < classes; i += 1) {
        const value = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / classes))];
        if (value > sorted[0] && (breaks.length === 0 || value > breaks[breaks.length - 1])) breaks.push(value);
      }
      return breaks;
    }
    function equalBreaks(sorted, classes) {
      const low = sorted[0];
      const high = sorted[sorted.length - 1];
      if (high <= low) return [];
      return Array.from({ length: classes - 1 }, (_, i) => low + ((i + 1) * (high - low)) / classes);
    }
    function colourScale(values) {
      const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
      const ratio = MEASURES[state.measure].ratio;
      let breaks = RATIO_BREAKS;
      if (!ratio) {
        breaks = sorted.length ? quantileBreaks(sorted, SEQUENTIAL.length) : [];
        if (sorted.length && breaks.length < 3) breaks = equalBreaks(sorted, SEQUENTIAL.length);
      }
      // One value everywhere (a smoothing that shrinks every unit to the mean): the middle colour.
      const palette = ratio ? DIVERGING : breaks.length ? SEQUENTIAL.slice(SEQUENTIAL.length - breaks.length - 1) : [SEQUENTIAL[3]];
      const colour = (value) => {
        let i = 0;
        while (i < breaks.length && value >= breaks[i]) i += 1;
        return palette[i];
      };
      const low = ratio || !sorted.length ? null : sorted[0];
      const high = ratio || !sorted.length ? null : sorted[sorted.length - 1];
      return { breaks, palette, colour, low, high };
    }

    // ---- tooltip ---------------------------------------------------------------------------------
    const tooltip = document.getElementById("tooltip");
    function showTooltip(event, title, lines) {
      clear(tooltip);
      html("strong", title, tooltip);
      lines.forEach((line) => html("div", line, tooltip));
      tooltip.hidden = false;
      const x = Math.min(event.clientX + 14, window.innerWidth - 290);
      tooltip.style.left = x + "px";
      tooltip.style.top = event.clientY + 14 + "px";
    }
    function hideTooltip() { tooltip.hidden = true; }

    function cellLines(level, index, current) {
      const measure = MEASURES[state.measure];
      if (!current) return [t("noData")];
      if (current.s[index]) return [t("masked")];
      const value = at(column(current, measure.value), index);
      const lines = [];
      if (value === null || value === undefined) {
        lines.push(t("measures")[state.measure] + " : " + t("noData"));
      } else {
        let line = t("measures")[state.measure] + " : " + fmt(value, digitsOf(state.measure));
        const low = at(column(current, measure.low), index);
        const high = at(column(current, measure.high), index);
        if (low !== null && low !== undefined && high !== null && high !== undefined) {
          line += ` (${t("interval")} ${fmt(low, digitsOf(state.measure))} – ${fmt(high, digitsOf(state.measure))})`;
        }
        lines.push(line);
      }
      const n = at(current.n, index);
      const d = at(current.d, index);
      if (d !== null && d !== undefined) lines.push(`${fmtCount(n)} ${t("patients")} / ${fmtCount(d)} ${t("beneficiaries")}`);
      return lines;
    }

    // ---- map -------------------------------------------------------------------------------------
    function drawMap() {
      const svg = document.getElementById("map");
      const level = state.level;
      const [objectName, codeProperty] = GEOMETRY[level];
      svg.setAttribute("viewBox", `0 0 ${MAP_WIDTH} ${PROJECTION.height}`);
      svg.setAttribute("data-level", level);
      svg.setAttribute("data-indicator", state.indicator);
      svg.setAttribute("data-measure", state.measure);
      clear(svg);
      const defs = el("defs", {}, svg);
      const pattern = el("pattern", { id: "masked-hatch", patternUnits: "userSpaceOnUse", width: 5, height: 5, patternTransform: "rotate(45)" }, defs);
      el("rect", { width: 5, height: 5, fill: "#ffffff" }, pattern);
      el("line", { x1: 0, y1: 0, x2: 0, y2: 5, stroke: "#9aa4b1", "stroke-width": 2.2 }, pattern);

      const current = block(state.indicator, state.year, level);
      const index = unitIndex(level);
      const units = DATA.units[level];
      const measure = MEASURES[state.measure];
      const values = column(current, measure.value) || [];
      const scale = colourScale(values.filter((v, i) => v !== null && !current.s[i]));
      const group = el("g", { class: "units" }, svg);
      shapes(objectName, codeProperty).forEach((shape) => {
        const i = index[shape.code];
        const path = el("path", { d: shape.d, class: "unit", "data-code": shape.code }, group);
        let state_ = "nodata";
        let fill = "#cdd3da";
        if (i !== undefined && current && current.s[i]) {
          state_ = "masked";
          fill = "url(#masked-hatch)";
        } else if (i !== undefined && values[i] !== null && values[i] !== undefined) {
          state_ = "shown";
          fill = scale.colour(values[i]);
          path.setAttribute("data-value", String(values[i]));
        }
        path.setAttribute("fill", fill);
        path.setAttribute("data-state", state_);
        const unit = i !== undefined ? units[i] : [shape.code, shape.code, shape.code];
        path.addEventListener("mousemove", (event) => showTooltip(event, `${unitName(unit)} (${unit[0]})`, cellLines(level, i, i === undefined ? null : current)));
        path.addEventListener("mouseleave", hideTooltip);
      });
      OUTLINES[level].forEach((outline) => {
        const property = outline === "provinces" ? "province_nis" : "region_nis";
        shapes(outline, property).forEach((shape) => el("path", { d: shape.d, class: "outline" }, svg));
      });
      drawLegend(scale);
      const label = t("measures")[state.measure];
      document.getElementById("map-title").textContent = t("mapTitle")(label, t("levels")[level], state.year);
      const note = state.measure === "ratio" ? " " + t("ratioSource") + t("sources")[DATA.sources.ratio[state.indicator]] + "." : "";
      document.getElementById("map-note").textContent = t("mapNote") + note;
    }

    function drawLegend(scale) {
      const legend = document.getElementById("legend");
      clear(legend);
      const digits = digitsOf(state.measure);
      scale.palette.forEach((colour, i) => {
        const low = i === 0 ? scale.low : scale.breaks[i - 1];
        const high = i < scale.breaks.length ? scale.breaks[i] : scale.high;
        let label;
        if (low === null && high === null) label = "";
        else if (low === null) label = "< " + fmt(high, digits);
        else if (high === null) label = "≥ " + fmt(low, digits);
        else label = fmt(low, digits) + " – " + fmt(high, digits);
        legendItem(legend, colour, label);
      });
      legendItem(legend, null, t("masked"), "masked");
      legendItem(legend, "#cdd3da", t("noData"));
    }
    function legendItem(legend, colour, label, kind) {
      const item = html("span", null, legend);
      item.className = "item";
      const swatch = html("span", null, item);
      swatch.className = "swatch" + (kind ? " " + kind : "");
      if (colour) swatch.style.background = colour;
      if (kind && kind.startsWith("line")) {
        swatch.className = "swatch " + kind.replace("line-", "line ");
        swatch.style.background = "none";
        swatch.style.borderTopColor = colour;
      }
      html("span", label, item);
      return item;
    }

    // ---- axes ------------------------------------------------------------------------------------
    function niceTicks(low, high, count) {
      const span = high - low || 1;
      const step0 = Math.pow(10, Math.floor(Math.log10(span / count)));
      const step = [1, 2, 2.5, 5, 10].map((m) => m * step0).find((s) => span / s <= count) || step0 * 10;
      const ticks = [];
      for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
      return ticks;
    }
    function tickDigits(ticks) {
      const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
      return Math.max(0, Math.min(3, -Math.floor(Math.log10(step) + 1e-9)));
    }
    function axes(svg, box, xTicks, xPos, xLabel, yTicks, yPos, yLabel, xFormat, yFormat) {
      const grid = el("g", { class: "grid" }, svg);
      yTicks.forEach((v) => el("line", { x1: box.left, x2: box.right, y1: yPos(v), y2: yPos(v) }, grid));
      const axis = el("g", { class: "axis" }, svg);
      el("line", { x1: box.left, x2: box.right, y1: box.bottom, y2: box.bottom }, axis);
      el("line", { x1: box.left, x2: box.left, y1: box.top, y2: box.bottom }, axis);
      xTicks.forEach((v) => {
        el("line", { x1: xPos(v), x2: xPos(v), y1: box.bottom, y2: box.bottom + 4 }, axis);
        el("text", { x: xPos(v), y: box.bottom + 16, "text-anchor": "middle" }, axis).textContent = xFormat(v);
      });
      yTicks.forEach((v) => {
        el("text", { x: box.left - 6, y: yPos(v) + 4, "text-anchor": "end" }, axis).textContent = yFormat(v);
      });
      el("text", { x: (box.left + box.right) / 2, y: box.bottom + 32, "text-anchor": "middle" }, axis).textContent = xLabel;
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

    // ---- time series -----------------------------------------------------------------------------
    function drawSeries() {
      const svg = document.getElementById("series");
      clear(svg);
      const width = 520;
      const height = 260;
      svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
      const box = { left: 56, right: width - 14, top: 12, bottom: height - 44 };
      const series = [];
      DATA.units.country.concat(DATA.units.region).forEach((unit) => {
        const level = unit[0] === "01000" ? "country" : "region";
        const index = unitIndex(level)[unit[0]];
        const values = DATA.years.map((year) => {
          const current = block(state.indicator, year, level);
          const value = current ? at(current.v, index) : null;
          return value === undefined ? null : value;
        });
        series.push({ unit, values, level });
      });
      const all = series.flatMap((s) => s.values).filter((v) => v !== null);
      if (all.length === 0) return;
      const low = Math.min(...all);
      const high = Math.max(...all);
      const pad = (high - low) * 0.1 || 1;
      const yTicks = niceTicks(Math.max(0, low - pad), high + pad, 5);
      const y0 = Math.min(yTicks[0], low);
      const y1 = Math.max(yTicks[yTicks.length - 1], high);
      const first = DATA.years[0];
      const last = DATA.years[DATA.years.length - 1];
      const xPos = (year) => box.left + (last === first ? 0.5 : (year - first) / (last - first)) * (box.right - box.left);
      const yPos = (v) => box.bottom - ((v - y0) / (y1 - y0 || 1)) * (box.bottom - box.top);
      const step = Math.max(1, Math.ceil(DATA.years.length / 8));
      const xTicks = DATA.years.filter((year, i) => i % step === 0 || year === last);
      axes(svg, box, xTicks, xPos, t("year"), yTicks, yPos, t("unit"), String, (v) => fmt(v, tickDigits(yTicks)));
      el("line", { x1: xPos(state.year), x2: xPos(state.year), y1: box.top, y2: box.bottom, stroke: "#9aa4b1", "stroke-dasharray": "3 3" }, svg);
      const legend = document.getElementById("series-legend");
      clear(legend);
      series.forEach((s) => {
        const colour = SERIES_COLOURS[s.unit[0]] || "#555";
        const points = s.values.map((v, i) => (v === null ? null : [xPos(DATA.years[i]), yPos(v)]));
        el("path", { d: linePath(points), class: "series-line", stroke: colour, "data-code": s.unit[0] }, svg);
        s.values.forEach((v, i) => {
          if (v === null) return;
          const dot = el("circle", { cx: xPos(DATA.years[i]), cy: yPos(v), r: 3, fill: colour, class: "series-point" }, svg);
          dot.addEventListener("mousemove", (event) => showTooltip(event, `${unitName(s.unit)} · ${DATA.years[i]}`, [t("measures").crude + " : " + fmt(v, 2)]));
          dot.addEventListener("mouseleave", hideTooltip);
        });
        legendItem(legend, colour, unitName(s.unit), "line-solid");
      });
    }

    // ---- funnel plot -----------------------------------------------------------------------------
    const FLAGS = { 2: "above998", 1: "above95", 0: "within", "-1": "below95", "-2": "below998" };
    function flagOf(i, current) {
      const flag = at(current.fl, i);
      return flag === null || flag === undefined ? "within" : FLAGS[flag];
    }
    function drawFunnel() {
      const svg = document.getElementById("funnel");
      clear(svg);
      const width = 520;
      const height = 300;
      svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
      const box = { left: 56, right: width - 14, top: 12, bottom: height - 44 };
      const level = state.level;
      const current = block(state.indicator, state.year, level);
      const yearBlocks = (DATA.figures[state.indicator] || {})[String(state.year)] || {};
      const national = yearBlocks.national;
      document.getElementById("funnel-title").textContent = t("funnelTitle")(t("levels")[level], state.year);
      const method = DATA.sources.overdispersion_method ? "; " + t("overdispersion") + DATA.sources.overdispersion_method : "";
      document.getElementById("funnel-note").textContent = t("funnelSource") + t("sources")[DATA.sources.funnel[state.indicator]] + method + ".";
      const legend = document.getElementById("funnel-legend");
      clear(legend);
      if (!current || !current.v) return;
      const units = DATA.units[level];
      const points = [];
      current.v.forEach((v, i) => {
        const d = at(current.d, i);
        if (v !== null && !current.s[i] && d) points.push({ i, v, d });
      });
      if (points.length === 0) return;
      points.sort((a, b) => a.d - b.d);
      const curves = current.funnel || { x: [] };
      const limitKeys = ["l95lo", "l95hi", "l998lo", "l998hi", "od95lo", "od95hi", "od998lo", "od998hi"].filter((key) => curves[key]);
      const ys = points.map((p) => p.v);
      limitKeys.forEach((key) => curves[key].forEach((limit) => ys.push(limit)));
      if (national !== undefined) ys.push(national);
      const cap = state.indicator && t("unit") === "%" ? 100 : Infinity;
      const yTicks = niceTicks(Math.max(0, Math.min(...ys)), Math.min(cap, Math.max(...ys)), 6);
      // A rate is never below 0: a limit computed below it is cut at the axis (clip path).
      const y0 = Math.max(0, Math.min(yTicks[0], ...ys));
      const y1 = Math.max(yTicks[yTicks.length - 1], ...ys);
      const lx0 = Math.log10(points[0].d) - 0.05;
      const lx1 = Math.log10(points[points.length - 1].d) + 0.05;
      const xPos = (d) => box.left + ((Math.log10(d) - lx0) / (lx1 - lx0 || 1)) * (box.right - box.left);
      const yPos = (v) => box.bottom - ((v - y0) / (y1 - y0 || 1)) * (box.bottom - box.top);
      const xTicks = [];
      for (let p = Math.ceil(lx0); p <= Math.floor(lx1); p += 1) xTicks.push(Math.pow(10, p));
      axes(svg, box, xTicks, xPos, t("funnelX"), yTicks, yPos, t("funnelY"), (v) => fmtCount(v), (v) => fmt(v, tickDigits(yTicks)));
      if (national !== undefined) {
        el("line", { x1: box.left, x2: box.right, y1: yPos(national), y2: yPos(national), class: "national" }, svg);
      }
      const clip = el("clipPath", { id: "funnel-clip" }, el("defs", {}, svg));
      el("rect", { x: box.left, y: box.top, width: box.right - box.left, height: box.bottom - box.top }, clip);
      limitKeys.forEach((key) => {
        const line = curves.x.map((d, k) => [xPos(d), yPos(curves[key][k])]);
        const kind = key.startsWith("od") ? "od" : key.includes("998") ? "l998" : "l95";
        el("path", { d: linePath(line), class: "limit " + kind, "data-limit": key, "clip-path": "url(#funnel-clip)" }, svg);
      });
      const group = el("g", { class: "points" }, svg);
      points.forEach((p) => {
        const flag = flagOf(p.i, current);
        const dot = el("circle", { cx: xPos(p.d), cy: yPos(p.v), r: level === "commune" ? 3 : 5, fill: FLAG_COLOURS[flag], class: "point", "data-code": units[p.i][0], "data-flag": flag }, group);
        dot.addEventListener("mousemove", (event) => showTooltip(event, `${unitName(units[p.i])} (${units[p.i][0]})`, [
          t("measures").crude + " : " + fmt(p.v, 2),
          `${fmtCount(at(current.n, p.i))} ${t("patients")} / ${fmtCount(p.d)} ${t("beneficiaries")}`,
          t(flag),
        ]));
        dot.addEventListener("mouseleave", hideTooltip);
      });
      if (national !== undefined) legendItem(legend, "#0b5e8e", `${t("national")} ${fmt(national, 2)} ${t("unit")}`, "line-solid");
      legendItem(legend, "#333", t("limit95"), "line-dashed");
      legendItem(legend, "#333", t("limit998"), "line-solid");
      if (limitKeys.some((key) => key.startsWith("od"))) legendItem(legend, "#a04a00", t("limitOd"), "line-dotted");
      Object.entries(FLAG_COLOURS).forEach(([flag, colour]) => legendItem(legend, colour, t(flag)));
    }

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
        html("th", labels[key] || "", tr);
        html("td", text, tr);
      };
      if (!stats) {
        const tr = html("tr", null, body);
        const td = html("td", t("variationMissing"), tr);
        td.colSpan = 2;
        return;
      }
      const value = (key, digits, factor) => (stats[key] === null || stats[key] === undefined ? "–" : fmt(stats[key] * (factor || 1), digits));
      row("units", `${fmtCount(stats.units_shown)} / ${fmtCount(stats.units_masked)}`);
      row("eq", value("eq", 2));
      row("eq595", value("eq595", 2));
      row("cv", value("cv", 3));
      row("cvw", value("cvw", 3));
      row("scv", value("scv", 2, 100));
      const high = stats.eb_hi === null || stats.eb_hi === undefined ? "…" : fmt(stats.eb_hi, 4);
      row("eb", `${value("eb", 4)} (${value("eb_lo", 4)} – ${high})`);
    }

    // ---- table and CSV ---------------------------------------------------------------------------
    const CSV_COLUMNS = [
      ["numerator", "n"], ["denominator", "d"], ["value", "v"], ["ci_low", "lo"], ["ci_high", "hi"],
      ["standardised_value", "sv"], ["standardised_ci_low", "slo"], ["standardised_ci_high", "shi"],
      ["eb_smoothed_value", "eb"], ["ratio", "r"], ["ratio_ci_low", "rlo"], ["ratio_ci_high", "rhi"],
    ];
    function tableRows() {
      const level = state.level;
      const current = block(state.indicator, state.year, level);
      return DATA.units[level].map((unit, i) => {
        const row = { unit, masked: Boolean(current && current.s[i]) };
        CSV_COLUMNS.forEach(([, key]) => { row[key] = current ? at(column(current, key), i) : null; row[key] = row[key] === undefined ? null : row[key]; });
        return row;
      });
    }
    function interval(low, high, digits) {
      return low === null || high === null ? "" : `${fmt(low, digits)} – ${fmt(high, digits)}`;
    }
    function drawTable() {
      const table = document.getElementById("figures");
      const head = table.tHead;
      const body = table.tBodies[0];
      clear(head);
      clear(body);
      const headRow = html("tr", null, head);
      t("columns").forEach((name) => html("th", name, headRow));
      tableRows().forEach((row) => {
        const tr = html("tr", null, body);
        tr.dataset.code = row.unit[0];
        if (row.masked) tr.className = "masked";
        const status = row.masked ? t("statusMasked") : row.d === 0 || row.d === null ? t("statusNoData") : t("statusShown");
        [
          row.unit[0], unitName(row.unit), fmtCount(row.n), fmtCount(row.d), fmt(row.v, 2), interval(row.lo, row.hi, 2),
          fmt(row.sv, 2), interval(row.slo, row.shi, 2), fmt(row.eb, 2), fmt(row.r, 3), interval(row.rlo, row.rhi, 3), status,
        ].forEach((text) => html("td", text, tr));
      });
      document.getElementById("table-title").textContent = t("tableTitle")(t("levels")[state.level], state.year);
    }
    function csvText() {
      const header = ["indicator_code", "year", "geo_level", "geo_code", "geo_name_fr", "geo_name_nl", "suppressed", ...CSV_COLUMNS.map(([name]) => name)];
      const quote = (text) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
      const lines = tableRows().map((row) => [
        state.indicator, String(state.year), state.level, row.unit[0], row.unit[1], row.unit[2], row.masked ? "true" : "false",
        ...CSV_COLUMNS.map(([, key]) => (row[key] === null ? "" : String(row[key]))),
      ].map(quote).join(","));
      return [header.join(","), ...lines].join("\n") + "\n";
    }
    function download() {
      const link = document.createElement("a");
      link.href = "data:text/csv;charset=utf-8," + encodeURIComponent(csvText());
      link.download = `${state.indicator}_${state.level}_${state.year}.csv`;
      document.body.appendChild(link);
      link.click();
      link.remove();
    }

    // ---- metadata --------------------------------------------------------------------------------
    function indicatorEntry() { return DATA.indicators.find((entry) => entry.code === state.indicator); }
    function indicatorName(entry) { return entry.meta[state.lang].name || entry.meta.fr.name || entry.code; }
    function drawMetadata() {
      const list = document.getElementById("metadata");
      clear(list);
      const entry = indicatorEntry();
      html("dt", t("code"), list);
      html("dd", `${entry.atlas_code} (${entry.code})`, list);
      if (entry.code_status) {
        html("dt", t("codeStatus"), list);
        html("dd", entry.code_status, list);
      }
      DATA.fields.forEach(([field, labelFr, labelNl]) => {
        const text = entry.meta[state.lang][field];
        if (!text) return;
        html("dt", state.lang === "fr" ? labelFr : labelNl, list);
        html("dd", text, list);
      });
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
    }
    function applyLanguage() {
      document.documentElement.lang = state.lang;
      document.title = t("title");
      document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
      document.querySelectorAll(".language button").forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang)));
      document.getElementById("footer").textContent = t("footer");
    }
    function render() {
      applyLanguage();
      fillControls();
      drawMap();
      drawSeries();
      drawFunnel();
      drawVariation();
      drawTable();
      drawMetadata();
      document.body.dataset.ready = "true";
    }

    document.getElementById("indicator").addEventListener("change", (event) => { state.indicator = event.target.value; render(); });
    document.getElementById("year").addEventListener("change", (event) => { state.year = Number(event.target.value); render(); });
    document.getElementById("level").addEventListener("change", (event) => { state.level = event.target.value; render(); });
    document.getElementById("measure").addEventListener("change", (event) => { state.measure = event.target.value; render(); });
    document.querySelectorAll(".language button").forEach((button) => button.addEventListener("click", () => { state.lang = button.dataset.lang; render(); }));
    document.getElementById("download").addEventListener("click", download);
    render();
  }
})();
