// Anchorwatch explanation viewer. No framework, no build step, nothing fetched but this service's /api/v1.
// Everything that comes from the API is put on the page as text (textContent, attribute values), never as HTML.
'use strict';

const API = '../api/v1';
const TOKEN_KEY = 'anchorwatch.token';
const SVG = 'http://www.w3.org/2000/svg';

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function status(message, kind) {
  // once the page asks for a token, nothing else may take the place of that question
  if (document.getElementById('token-form')) return;
  const s = document.getElementById('status');
  s.textContent = message || '';
  s.className = 'status' + (kind ? ' ' + kind : '');
}

// Same authentication as the rest of the API: when the service asks for a bearer token (401), ask the user once
// per browser session and send it with every request.
function askForToken() {
  if (document.getElementById('token-form')) return;
  const box = document.getElementById('status');
  box.textContent = '';
  box.className = 'status warn';
  const input = el('input', {type: 'password', id: 'token', autocomplete: 'off', placeholder: 'API token'});
  const had = sessionStorage.getItem(TOKEN_KEY) !== null;
  const form = el('form', {id: 'token-form'}, el('label', {},
    had ? 'The service refused that token; try another: ' : 'This service needs an API token: ', input), ' ',
    el('button', {type: 'submit', id: 'token-submit'}, 'Use token'));
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value);
    location.reload();
  });
  box.append(form);
}

async function api(path, params) {
  const url = new URL(API + path, location.href);
  for (const [k, v] of Object.entries(params || {})) {
    if (Array.isArray(v)) v.forEach(x => url.searchParams.append(k, x));
    else if (v !== null && v !== undefined && v !== '') url.searchParams.set(k, v);
  }
  const headers = {Accept: 'application/json'};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = 'Bearer ' + token;
  const r = await fetch(url, {headers, credentials: 'same-origin'});
  if (r.status === 401) {
    askForToken();
    throw new Error('authentication needed');
  }
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) throw new Error((body && body.error) || ('HTTP ' + r.status));
  return body;
}

function pct(x) { return x === null || x === undefined ? '–' : (100 * x).toFixed(1) + ' %'; }
function num(x, digits) { return x === null || x === undefined ? '–' : Number(x).toFixed(digits || 0); }
function time(iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace('Z', '') : ''; }
function json(v) { return v === null || v === undefined ? '–' : JSON.stringify(v); }

function chips(anchor) {
  const box = el('span', {class: 'chips'});
  if (!anchor || anchor.length === 0) box.append(el('span', {class: 'chip empty'}, 'empty anchor'));
  for (const p of anchor || []) box.append(el('span', {class: 'chip'}, p));
  return box;
}

// KernelSHAP has no anchor and no threshold: a KernelSHAP explanation that was made is "explained", not "found"
const SHAP = 'KernelShap';

function outcomeBadge(o, explainer) {
  const label = o === 'not_found' ? 'not found' : explainer === SHAP && o === 'found' ? 'explained' : o;
  return el('span', {class: 'badge ' + o}, label);
}

function anchorCell(s) {
  if (s.outcome === 'failed') return el('span', {class: 'reason'}, s.reason);
  if (s.explainer === SHAP) return el('span', {class: 'muted attributions'}, 'feature attributions (no anchor)');
  return chips(s.anchor);
}

function explanationLink(id, label) {
  return el('a', {href: 'explanation.html?id=' + encodeURIComponent(id), class: 'explanation-link'}, label);
}

function modelLink(name) {
  return el('a', {href: 'model.html?name=' + encodeURIComponent(name), class: 'model-link'}, name);
}

function kv(dl, key, value) {
  dl.append(el('dt', {}, key), el('dd', {}, value));
}

// ---------------------------------------------------------------- the list

async function listPage() {
  const q = new URLSearchParams(location.search);
  const form = document.getElementById('filters');
  for (const name of ['explainer', 'outcome', 'mismatch', 'predicate', 'from', 'to', 'limit']) {
    const field = form.elements[name];
    if (q.get(name)) field.value = q.get(name);
  }
  const models = await api('/models').catch(e => { status(e.message, 'error'); return {models: []}; });
  const select = document.getElementById('f-model');
  for (const m of models.models) select.append(el('option', {value: m.name}, m.name));
  if (q.get('model')) {
    if (![...select.options].some(o => o.value === q.get('model'))) {
      select.append(el('option', {value: q.get('model')}, q.get('model')));
    }
    select.value = q.get('model');
  }
  const links = document.getElementById('model-links');
  for (const m of models.models) links.append(' ', modelLink(m.name));
  const explainers = document.getElementById('f-explainer');
  for (const m of models.models) {
    for (const x of m.explainers || []) {
      if (![...explainers.options].some(o => o.value === x.type)) explainers.append(el('option', {value: x.type}, x.type));
    }
  }
  if (q.get('explainer') && ![...explainers.options].some(o => o.value === q.get('explainer'))) {
    explainers.append(el('option', {value: q.get('explainer')}, q.get('explainer')));
  }
  if (q.get('explainer')) explainers.value = q.get('explainer');
  // empty fields are left out of the URL
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const f of form.elements) if (f.name && f.value) p.set(f.name, f.value);
    location.search = p.toString();
  });

  status('Loading…');
  let page;
  try {
    page = await api('/explanations', {
      model: q.get('model'), explainer: q.get('explainer'), outcome: q.get('outcome'), mismatch: q.get('mismatch'),
      predicate: q.getAll('predicate').filter(x => x), from: q.get('from'), to: q.get('to'),
      limit: q.get('limit'), cursor: q.get('cursor'), inference_id: q.get('inference_id')});
  } catch (e) {
    status(e.message, 'error');
    return;
  }
  const body = document.querySelector('#list tbody');
  for (const s of page.items) {
    const tr = el('tr', {class: 'row', 'data-id': s.id},
      el('td', {}, explanationLink(s.id, time(s.created_at))),
      el('td', {class: 'inference'}, s.inference_id),
      el('td', {}, modelLink(s.model)),
      el('td', {}, s.explainer),
      el('td', {}, outcomeBadge(s.outcome, s.explainer)),
      el('td', {}, anchorCell(s)),
      el('td', {class: 'n'}, pct(s.precision)),
      el('td', {class: 'n'}, pct(s.coverage)),
      el('td', {}, s.prediction_mismatch === true ? el('span', {class: 'badge failed'}, 'differ')
        : s.prediction_mismatch === false ? 'agree' : '–'),
      el('td', {class: 'n'}, s.latency_ms === null ? '–' : s.latency_ms + ' ms'),
      el('td', {class: 'n'}, num(s.predictor_rows)));
    body.append(tr);
  }
  status(page.items.length === 0 ? 'No explanations match.' : page.items.length + ' explanations (newest first, '
    + page.store + ' store)');
  if (page.next_cursor) {
    const p = new URLSearchParams(location.search);
    p.set('cursor', page.next_cursor);
    const next = document.getElementById('next');
    next.href = '?' + p.toString();
    next.hidden = false;
  }
}

// ---------------------------------------------------------------- one explanation

function bar(id, value) {
  const v = value === null || value === undefined ? 0 : Math.max(0, Math.min(1, value));
  document.getElementById(id + '-bar').style.width = (100 * v).toFixed(1) + '%';
  document.getElementById(id).textContent = pct(value);
}

function className(view, prediction) {
  if (prediction === null || prediction === undefined) return '–';
  const label = Array.isArray(prediction) && prediction.length === 1 ? prediction[0] : prediction;
  if (view.class_names && Number.isInteger(label) && label >= 0 && label < view.class_names.length) {
    return view.class_names[label] + ' (' + label + ')';
  }
  return json(label);
}

function tabularInstance(view) {
  const table = el('table', {class: 'instance', id: 'instance-table'},
    el('thead', {}, el('tr', {}, el('th', {}, 'Feature'), el('th', {}, 'Value'), el('th', {}, 'In the anchor'))));
  const body = el('tbody');
  for (const f of view.features) {
    body.append(el('tr', {class: f.anchored ? 'anchored' : ''},
      el('td', {}, f.name), el('td', {}, f.value), el('td', {}, f.predicates.join(', '))));
  }
  table.append(body);
  return table;
}

function exampleTable(header, rows, id) {
  const table = el('table', {class: 'examples', id});
  const tr = el('tr');
  for (const h of header) tr.append(el('th', {}, h));
  table.append(el('thead', {}, tr));
  const body = el('tbody');
  for (const r of rows) {
    const row = el('tr');
    for (const c of r) row.append(el('td', {}, c));
    body.append(row);
  }
  table.append(body);
  return table;
}

function highlightedText(text, spans) {
  const p = el('p', {class: 'text-instance', id: 'text-instance'});
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let at = 0;
  for (const s of sorted) {
    if (s.start < at) continue;
    p.append(text.substring(at, s.start), el('mark', {class: 'anchor-word'}, text.substring(s.start, s.end)));
    at = s.end;
  }
  p.append(text.substring(at));
  return p;
}

function pngImage(b64, alt, id) {
  // only base64 characters go into the data: URL
  if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/=]+$/.test(b64)) return el('p', {class: 'muted'}, 'no picture');
  return el('img', {src: 'data:image/png;base64,' + b64, alt, id, class: 'pixelated'});
}

function shapClass(view) {
  return view.task === 'regression' ? 'the model output' : 'class ' + className(view, view.shap_class);
}

function sig(x) {
  return x === null || x === undefined ? '–' : (x > 0 ? '+' : '') + Number(x).toPrecision(4);
}

// KernelSHAP: no anchor; the attributions add up to the model's output minus its average over the background
function shapSummary(view) {
  document.getElementById('anchor-title').textContent = 'Attributions (KernelSHAP)';
  document.getElementById('bars').hidden = true;
  document.getElementById('anchor').replaceChildren(el('p', {id: 'shap-summary'},
    'For ' + shapClass(view) + ': output ' + num(view.model_output, 4) + ' = average over the background '
    + num(view.expected_value, 4) + ' + sum of the SHAP values ' + sig(view.shap_sum)
    + (view.link && view.link !== 'identity' ? ' (in ' + view.link + ' space)' : '') + '.'));
  document.getElementById('search').textContent = 'KernelSHAP: ' + num(view.samples) + ' coalitions, stopped by '
    + (view.stop_reason || '–')
    + (view.instances > 1 ? ' · this event had ' + view.instances + ' instances; the first is shown' : '');
}

function shapTable(view) {
  const max = Math.max(1e-12, ...view.attributions.map(a => Math.abs(a.shap)));
  const table = el('table', {class: 'instance', id: 'shap-table'},
    el('thead', {}, el('tr', {}, el('th', {}, 'Feature'), el('th', {}, 'Value'),
      el('th', {}, 'SHAP value (' + shapClass(view) + ')'), el('th', {}, ''))));
  const body = el('tbody');
  for (const a of view.attributions) {
    const fill = el('span', {class: 'fill ' + (a.shap < 0 ? 'negative' : 'positive')});
    fill.style.width = (100 * Math.abs(a.shap) / max).toFixed(1) + '%';
    body.append(el('tr', {},
      el('td', {}, a.name), el('td', {}, a.value), el('td', {class: 'n shap-value'}, sig(a.shap)),
      el('td', {class: 'shap-bar'}, el('span', {class: 'bar'}, fill))));
  }
  table.append(body);
  return table;
}

async function explanationPage() {
  const id = new URLSearchParams(location.search).get('id');
  if (!id) { status('No explanation id in the address.', 'error'); return; }
  status('Loading…');
  let e;
  try {
    e = await api('/explanations/' + encodeURIComponent(id));
  } catch (err) {
    status(err.message, 'error');
    return;
  }
  status('');
  document.title = e.model + ' · ' + e.inference_id + ' · Anchorwatch';
  document.getElementById('title').replaceChildren('Explanation of ', modelLink(e.model), ' ',
    el('span', {class: 'muted', id: 'inference-id'}, e.inference_id));
  document.getElementById('meta').replaceChildren(outcomeBadge(e.outcome, e.explainer), ' ', e.explainer, ' · ',
    time(e.created_at) + ' UTC', e.namespace ? ' · namespace ' + e.namespace : '', ' · id ', e.id);
  const view = e.view || {};
  const anchorBox = document.getElementById('anchor');
  if (e.outcome === 'failed') {
    anchorBox.replaceChildren(el('p', {class: 'reason', id: 'reason'}, 'Not explained: ' + e.reason));
  } else {
    anchorBox.replaceChildren(chips(e.anchor));
  }
  bar('precision', e.precision);
  bar('coverage', e.coverage);
  if (view.kind === 'shap') {
    shapSummary(view);
  } else if (view.stop_reason !== undefined && view.stop_reason !== null) {
    document.getElementById('search').textContent = 'Search: ' + (view.success ? 'anchor found' : 'no anchor reached the threshold')
      + ', stopped by ' + view.stop_reason + ', ' + num(view.samples) + ' samples'
      + (view.instances > 1 ? ' · this event had ' + view.instances + ' instances; the first is shown' : '');
  }
  const pred = document.getElementById('prediction');
  kv(pred, 'Explained (the explainer\'s own call)', className(view, e.explained_prediction));
  kv(pred, 'Served (the logged response)', e.served_prediction === null ? 'not seen' : className(view, e.served_prediction));
  kv(pred, 'Served vs explained', e.prediction_mismatch === true ? el('span', {class: 'badge failed', id: 'mismatch'}, 'differ')
    : e.prediction_mismatch === false ? 'agree' : 'unknown');
  const cost = document.getElementById('cost');
  kv(cost, 'Time to explain', e.latency_ms === null ? '–' : e.latency_ms + ' ms');
  kv(cost, 'Predictor requests', num(e.predictor_calls));
  kv(cost, 'Predictor rows', num(e.predictor_rows));
  if (e.timings && e.timings.event !== undefined) {
    kv(cost, 'The whole event (every explainer of the model)', e.timings.event + ' ms');
  }
  for (const [k, v] of Object.entries(e.timings || {})) {
    if (!['explain', 'predictor_calls', 'predictor_rows', 'event'].includes(k)) kv(cost, k, String(v));
  }

  const instance = document.getElementById('instance');
  const examples = document.getElementById('examples');
  if (view.kind === 'tabular') {
    instance.replaceChildren(tabularInstance(view));
    examples.replaceChildren(
      el('h3', {}, 'Where the anchor holds and the prediction stays (' + view.examples_same.length + ')'),
      exampleTable(view.feature_names, view.examples_same, 'examples-same'),
      el('h3', {}, 'Where the anchor holds but the prediction changes (' + view.examples_changed.length + ')'),
      exampleTable(view.feature_names, view.examples_changed, 'examples-changed'));
  } else if (view.kind === 'text') {
    instance.replaceChildren(highlightedText(view.text, view.spans));
    examples.replaceChildren(
      el('h3', {}, 'Where the anchor holds and the prediction stays (' + view.examples_same.length + ')'),
      el('ul', {id: 'examples-same'}, ...view.examples_same.map(t => el('li', {}, t))),
      el('h3', {}, 'Where the anchor holds but the prediction changes (' + view.examples_changed.length + ')'),
      el('ul', {id: 'examples-changed'}, ...view.examples_changed.map(t => el('li', {}, t))));
  } else if (view.kind === 'shap') {
    instance.replaceChildren(shapTable(view));
    document.getElementById('examples-card').hidden = true;
  } else if (view.kind === 'image') {
    instance.replaceChildren(el('div', {class: 'pictures'},
      el('figure', {}, pngImage(view.image_png, 'the image explained', 'image-original'), el('figcaption', {}, 'Original')),
      el('figure', {}, pngImage(view.anchor_png, 'the anchor superpixels', 'image-anchor'),
        el('figcaption', {id: 'image-caption'}, 'Anchor: class ' + className(view, view.prediction) + ', precision '
          + pct(e.precision) + ', coverage ' + pct(e.coverage)))));
    examples.replaceChildren(el('p', {}, view.examples_same_count + ' samples where the anchor holds and the class stays, '
      + view.examples_changed_count + ' where it changes (superpixel sets; see the JSON).'));
  } else {
    document.getElementById('instance-card').hidden = true;
    document.getElementById('examples-card').hidden = true;
  }
  const raw = JSON.stringify(e.explanation, null, 2);
  document.getElementById('raw').textContent = raw.length > 200000 ? raw.substring(0, 200000) + '\n… (truncated)' : raw;
  document.getElementById('explanation').hidden = false;
}

// ---------------------------------------------------------------- one model

function barChart(container, rows, seriesNames) {
  const width = 760, rowH = 34, left = 300, right = 60;
  const height = Math.max(1, rows.length) * rowH + 30;
  const s = svg('svg', {viewBox: '0 0 ' + width + ' ' + height, width: '100%', role: 'img', id: 'predicates-svg'});
  const max = Math.max(0.0001, ...rows.flatMap(r => r.values));
  rows.forEach((r, i) => {
    const y = 20 + i * rowH;
    s.append(svg('text', {x: left - 8, y: y + 15, 'text-anchor': 'end', class: 'label'}, r.label));
    r.values.forEach((v, k) => {
      const w = (width - left - right) * v / max;
      s.append(svg('rect', {x: left, y: y + k * 14, width: Math.max(0, w), height: 12, class: 'series' + k}));
      s.append(svg('text', {x: left + w + 4, y: y + k * 14 + 10, class: 'value'}, r.texts ? r.texts[k] : pct(v)));
    });
  });
  seriesNames.forEach((n, k) => {
    s.append(svg('rect', {x: left + k * 120, y: 2, width: 10, height: 10, class: 'series' + k}));
    s.append(svg('text', {x: left + 14 + k * 120, y: 11, class: 'legend'}, n));
  });
  if (rows.length === 0) s.append(svg('text', {x: 10, y: 20, class: 'label'}, 'No anchors in these two weeks.'));
  container.replaceChildren(s);
}

function lineChart(container, points, value, format, id) {
  const width = 360, height = 160, pad = 30;
  const s = svg('svg', {viewBox: '0 0 ' + width + ' ' + height, width: '100%', role: 'img', id});
  const vals = points.map(value);
  const known = vals.filter(v => v !== null && v !== undefined);
  const max = Math.max(known.length ? Math.max(...known) : 1, 1e-9);
  s.append(svg('line', {x1: pad, y1: height - pad, x2: width - 5, y2: height - pad, class: 'axis'}));
  s.append(svg('text', {x: 2, y: 14, class: 'value'}, format(max)));
  s.append(svg('text', {x: 2, y: height - pad, class: 'value'}, format(0)));
  let path = '';
  vals.forEach((v, i) => {
    if (v === null || v === undefined) return;
    const x = pad + (width - pad - 5) * (points.length === 1 ? 0.5 : i / (points.length - 1));
    const y = height - pad - (height - 2 * pad) * v / max;
    path += (path ? ' L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
    s.append(svg('circle', {cx: x.toFixed(1), cy: y.toFixed(1), r: 2.5, class: 'point'}));
  });
  if (path) s.append(svg('path', {d: path, class: 'line'}));
  else s.append(svg('text', {x: pad + 10, y: height / 2, class: 'label'}, 'no explanations'));
  if (points.length) {
    s.append(svg('text', {x: pad, y: height - 8, class: 'value'}, time(points[0].start).substring(0, 10)));
    s.append(svg('text', {x: width - 5, y: height - 8, 'text-anchor': 'end', class: 'value'}, 'now'));
  }
  container.replaceChildren(s);
}

// A model with several explainers (Anchors and KernelSHAP) is shown one explainer at a time: their success, latency
// and cost are not comparable. Without ?explainer= the page shows the model's Anchors explainer; "all" also counts
// the failures of events no explainer could take (a malformed event, recorded with explainer "anchorwatch").
function explainerChoice(name, types, chosen) {
  const box = document.getElementById('explainers');
  if (types.length < 2 && !chosen) { box.hidden = true; return; }
  box.replaceChildren('Explainer: ');
  for (const t of [...types, '']) {
    const label = t === '' ? 'all' : t;
    const href = 'model.html?name=' + encodeURIComponent(name) + '&explainer=' + encodeURIComponent(t);
    box.append(t === chosen ? el('strong', {class: 'explainer-choice current'}, label)
      : el('a', {href, class: 'explainer-choice'}, label), ' ');
  }
}

const TOP = 10;

async function modelPage() {
  const q = new URLSearchParams(location.search);
  const name = q.get('name');
  if (!name) { status('No model name in the address.', 'error'); return; }
  const models = await api('/models').catch(() => ({models: []}));
  const known = models.models.find(m => m.name === name);
  const types = known && known.explainers ? [...new Set(known.explainers.map(x => x.type))] : [];
  let explainer = q.get('explainer');
  if (explainer === null) explainer = types.length > 1 ? (types.find(t => t.startsWith('Anchor')) || types[0]) : '';
  const which = explainer ? {explainer} : {};
  const now = new Date();
  const weekAgo = new Date(now.getTime() - 7 * 86400e3);
  const twoWeeksAgo = new Date(now.getTime() - 14 * 86400e3);
  status('Loading…');
  let thisWeek, lastWeek, series;
  try {
    const path = '/models/' + encodeURIComponent(name);
    [thisWeek, lastWeek, series] = await Promise.all([
      api(path + '/stats', {...which, from: weekAgo.toISOString(), to: now.toISOString(), top: TOP}),
      api(path + '/stats', {...which, from: twoWeeksAgo.toISOString(), to: weekAgo.toISOString(), top: TOP}),
      api(path + '/series', {...which, from: twoWeeksAgo.toISOString(), to: now.toISOString(), buckets: 28})]);
  } catch (e) {
    status(e.message, 'error');
    return;
  }
  status('');
  document.title = name + ' · Anchorwatch';
  document.getElementById('title').replaceChildren('Model ', el('span', {id: 'model-name'}, name),
    explainer ? el('span', {class: 'muted', id: 'model-explainer'}, ' · ' + explainer) : '');
  explainerChoice(name, types, explainer);
  document.getElementById('list-link').href = './?model=' + encodeURIComponent(name)
    + (explainer ? '&explainer=' + encodeURIComponent(explainer) : '');
  const rows = [
    ['Explanations', s => num(s.total)],
    ['Found / not found / failed', s => s.found + ' / ' + s.not_found + ' / ' + s.failed],
    ['Success rate', s => pct(s.success_rate)],
    ['Median precision', s => pct(s.median_precision)],
    ['Median coverage', s => pct(s.median_coverage)],
    ['Median latency', s => s.latency_ms.median === null ? '–' : num(s.latency_ms.median) + ' ms'],
    ['95th percentile latency', s => s.latency_ms.p95 === null ? '–' : num(s.latency_ms.p95) + ' ms'],
    ['Predictor requests per explanation', s => num(s.predictor.mean_calls, 1)],
    ['Predictor rows per explanation', s => num(s.predictor.mean_rows, 0)],
  ];
  const body = document.querySelector('#weeks tbody');
  for (const [label, f] of rows) body.append(el('tr', {}, el('th', {}, label), el('td', {}, f(thisWeek)), el('td', {}, f(lastWeek))));

  // each week lists its TOP most frequent predicates: a predicate missing from a full list is known only to be no
  // more frequent than that list's last one, and is shown so ("≤ 9.1 %"), never as a false 0
  const share = (stats, p) => {
    const hit = stats.top_predicates.find(x => x.predicate === p);
    if (hit) return {value: hit.share, text: pct(hit.share)};
    if (stats.top_predicates.length < TOP) return {value: 0, text: pct(0)};
    return {value: 0, text: '≤ ' + pct(Math.min(...stats.top_predicates.map(x => x.share)))};
  };
  const names = [...new Set([...thisWeek.top_predicates, ...lastWeek.top_predicates].map(x => x.predicate))];
  names.sort((a, b) => share(thisWeek, b).value - share(thisWeek, a).value
    || share(lastWeek, b).value - share(lastWeek, a).value);
  barChart(document.getElementById('predicates-chart'), names.map(p => {
    const now = share(thisWeek, p), before = share(lastWeek, p);
    return {label: p, values: [now.value, before.value], texts: [now.text, before.text]};
  }), ['this week', 'last week']);
  lineChart(document.getElementById('chart-success'), series.points, p => p.success_rate, pct, 'success-svg');
  lineChart(document.getElementById('chart-latency'), series.points, p => p.median_latency_ms, v => num(v), 'latency-svg');
  lineChart(document.getElementById('chart-cost'), series.points, p => p.mean_predictor_rows, v => num(v), 'cost-svg');
  document.getElementById('model').hidden = false;
}

document.addEventListener('DOMContentLoaded', () => {
  const page = document.body.dataset.page;
  const run = page === 'list' ? listPage : page === 'explanation' ? explanationPage : modelPage;
  run().then(() => document.body.setAttribute('data-ready', 'true'),
    e => { status(String(e.message || e), 'error'); document.body.setAttribute('data-ready', 'true'); });
});
