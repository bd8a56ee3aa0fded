// blackout dashboard: reads /api/v1 and draws it. No framework; uPlot for plots.
// Every string from the API (which came from a config or a remote server) is
// put into the page with textContent or as an attribute value, never as HTML.
'use strict';

(function () {
  const LAYERS = ['router', 'dns', 'mail', 'web', 'host', 'bgp'];
  const CAUSE_COLORS = {
    cascade: 'rgba(230,120,0,0.18)', abrupt: 'rgba(198,40,40,0.18)', routing: 'rgba(106,27,154,0.18)',
    dns: 'rgba(21,101,192,0.18)', partial: 'rgba(230,167,0,0.18)', 'vantage-local': 'rgba(120,120,120,0.18)',
  };
  const params = new URLSearchParams(location.search);
  const REFRESH_MS = Math.max(1, Number(params.get('refresh')) || 10) * 1000;

  // State visible to tests (tests/dashboard/): the plots drawn and refresh counts.
  const state = { entity: null, windowS: 86400, plots: [], eventPlots: [], refreshes: 0, lastError: null, events: [] };
  window.blackout = state;

  const $ = (id) => document.getElementById(id);
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function token() { return sessionStorage.getItem('blackout-token'); }
  async function api(path) {
    const headers = {};
    if (token()) headers.Authorization = 'Bearer ' + token();
    const r = await fetch(path, { headers, cache: 'no-store' });
    if (r.status === 401) { showLogin(); throw new Error('a token is needed'); }
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new Error((body && body.error && body.error.message) || ('HTTP ' + r.status));
    return body.data;
  }
  function showLogin() {
    $('login').hidden = false; $('overview').hidden = true; $('event').hidden = true;
  }
  $('login').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem('blackout-token', $('token').value);
    $('login').hidden = true;
    route();
  });

  function setStatus(text, isError) {
    const s = $('status');
    s.textContent = text;
    s.className = 'status' + (isError ? ' error' : '');
  }
  const iso = (d) => new Date(d).toISOString().replace('.000Z', 'Z');
  function fmtDuration(s) {
    if (s === null || s === undefined) return '';
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  }
  const pct = (v) => (v === null || v === undefined ? 'n/a' : Math.round(v * 100) + ' %');

  // ---- plots ----

  // Groups IODA-shaped series by layer: {layer: {x:[...], up:[...], rtt_ms:[...], loss:[...]}}
  function byLayer(series) {
    const out = {};
    for (const s of series) {
      const l = (out[s.layer] = out[s.layer] || {});
      l.x = l.x || s.values.map((_, i) => s.from + i * s.step);
      l[s.metric] = s.values;
    }
    return out;
  }

  // uPlot plugin: shades events, labels them with their cause, and marks timeline steps.
  function eventShading(events, steps) {
    return {
      hooks: {
        drawClear: [(u) => {
          const ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
          ctx.save();
          for (const e of events) {
            const x0 = u.valToPos(Date.parse(e.start) / 1000, 'x', true);
            const x1 = u.valToPos(e.end ? Date.parse(e.end) / 1000 : u.scales.x.max, 'x', true);
            const l = Math.max(x0, u.bbox.left), r = Math.min(x1, u.bbox.left + u.bbox.width);
            if (r <= l) continue;
            ctx.fillStyle = CAUSE_COLORS[e.cause] || 'rgba(90,90,90,0.15)';
            ctx.fillRect(l, top, r - l, h);
            ctx.fillStyle = '#333';
            ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
            const label = e.cause + (e.open ? ' (open)' : '');
            const w = ctx.measureText(label).width, right = u.bbox.left + u.bbox.width;
            // the label starts at the event, or ends at the plot's edge when the event is near it
            ctx.fillText(label, Math.max(u.bbox.left, Math.min(l + 4, right - w - 4)), top + 14 * devicePixelRatio);
          }
          ctx.restore();
        }],
        draw: [(u) => {
          if (!steps) return;
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = 'rgba(0,0,0,0.35)';
          ctx.setLineDash([4, 4]);
          for (const s of steps) {
            const x = u.valToPos(Date.parse(s.time) / 1000, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
          }
          ctx.restore();
        }],
      },
    };
  }

  function layerPlot(target, layer, d, events, steps) {
    const isBgp = layer === 'bgp';
    const upKey = isBgp ? 'visibility' : 'up';
    const toPct = (a) => (a || []).map((v) => (v === null ? null : v * 100));
    const data = [d.x, toPct(d[upKey] || d.up)];
    const series = [{}, { label: isBgp ? 'visible %' : 'answering %', stroke: '#2e9d4f', width: 2, scale: '%' }];
    if (!isBgp) {
      data.push(toPct(d.loss));
      series.push({ label: 'loss %', stroke: '#c62828', width: 1, scale: '%' });
      data.push(d.rtt_ms || d.x.map(() => null));
      series.push({ label: 'RTT ms', stroke: '#1565c0', width: 1, scale: 'ms' });
    }
    const opts = {
      width: 0, height: 130, series, plugins: [eventShading(events, steps && steps.filter((s) => s.layer === layer))],
      scales: { '%': { range: [0, 105] }, ms: { range: (u, min, max) => [0, Math.max(10, (max || 0) * 1.1)] } },
      axes: [{}, { scale: '%', size: 45, values: (u, v) => v.map((x) => x + '%') },
        // bgp has no RTT axis: an empty one keeps its time axis aligned with the other rows
        isBgp ? { scale: '%', side: 1, size: 55, grid: { show: false }, ticks: { show: false }, values: (u, v) => v.map(() => '') }
          : { scale: 'ms', side: 1, size: 55, grid: { show: false }, values: (u, v) => v.map((x) => x + ' ms') }],
      legend: { live: true },
    };
    const row = el('div', { class: 'plot-row', 'data-layer': layer }, el('div', { class: 'layer' }, layer));
    const holder = el('div', { class: 'plot' });
    row.append(holder);
    target.append(row);
    opts.width = Math.max(300, holder.clientWidth);
    return new uPlot(opts, data, holder);
  }

  function drawPlots(container, series, events, steps, list) {
    for (const p of list) p.destroy();
    list.length = 0;
    clear(container);
    const layers = byLayer(series);
    for (const layer of LAYERS) {
      if (layers[layer]) list.push(layerPlot(container, layer, layers[layer], events, steps));
    }
    if (!list.length) container.append(el('p', {}, 'No signals for this entity in this window.'));
  }

  // ---- overview ----

  async function loadEntities() {
    const ents = await api('/api/v1/entities');
    const sel = $('entity');
    const keep = state.entity;
    clear(sel);
    for (const e of ents) sel.append(el('option', { value: e.id }, e.name + (e.state === 'down' ? ' (down)' : '')));
    state.entity = ents.some((e) => e.id === keep) ? keep : (ents[0] && ents[0].id);
    if (state.entity) sel.value = state.entity;
    return ents;
  }

  function renderEvents(events) {
    const tb = $('events').tBodies[0];
    clear(tb);
    for (const e of events) {
      const link = el('a', { href: '#/event/' + encodeURIComponent(e.id) }, iso(e.start));
      tb.append(el('tr', { class: e.open ? 'open' : '', 'data-event': String(e.id) },
        el('td', {}, link), el('td', {}, e.entity), el('td', { class: 'cause' }, e.cause),
        el('td', {}, fmtDuration(e.duration_s)), el('td', {}, e.open ? 'open' : 'closed'),
        el('td', {}, pct(e.severity))));
    }
    $('no-events').hidden = events.length > 0;
  }

  function renderTargets(targets) {
    const g = $('targets');
    clear(g);
    for (const t of targets) {
      const st = ['up', 'down', 'suspect'].includes(t.state) ? t.state : 'unknown';
      const rtt = t.rtt_ms === null ? '' : ` ${t.rtt_ms.toFixed(1)} ms`;
      g.append(el('div', { class: 'tile state-' + st, title: (t.address || '') + ' ' + (t.last_outcome || '') },
        el('div', { class: 'id' }, t.id),
        el('div', { class: 'meta' }, `${t.entity} · ${t.role} · ${t.probe} · ${t.state}${rtt}`),
        el('div', { class: 'meta' }, t.address || '')));
    }
  }

  function renderBgp(rows) {
    const tb = $('bgp').tBodies[0];
    clear(tb);
    for (const b of rows) {
      tb.append(el('tr', {}, el('td', {}, b.prefix), el('td', {}, b.entity || ''),
        el('td', {}, b.origin_as ? 'AS' + b.origin_as : ''), el('td', {}, `${pct(b.visibility)} (${b.peers_seeing}/${b.peers} peers)`)));
    }
  }

  async function refreshOverview() {
    const ents = await loadEntities();
    const events = await api('/api/v1/events');
    state.events = events;
    renderEvents(events);
    const current = ents.find((e) => e.id === state.entity);
    $('entity-title').textContent = current ? `signals: ${current.name}` : 'signals';
    if (state.entity) {
      const until = Math.floor(Date.now() / 1000), from = until - state.windowS;
      const sig = await api(`/api/v1/signals/${encodeURIComponent(state.entity)}?from=${from}&until=${until}&maxPoints=400`);
      const mine = events.filter((e) => e.entity === state.entity);
      drawPlots($('plots'), sig[0] || [], mine, null, state.plots);
    }
    renderTargets(await api('/api/v1/targets'));
    renderBgp(await api('/api/v1/bgp').catch(() => []));
  }

  // ---- one event ----

  async function showEvent(id) {
    const e = await api('/api/v1/events/' + encodeURIComponent(id));
    // the header's entity list shows the event's entity here too
    state.entity = e.entity;
    await loadEntities();
    $('ev-title').textContent = `${e.entity}: ${e.cause} outage, ${iso(e.start)} to ${e.end ? iso(e.end) : 'now (open)'}` +
      ` (${fmtDuration(e.duration_s)})`;
    $('ev-summary').textContent = (e.summary || '') + ` Severity ${pct(e.severity)}, confidence ${pct(e.confidence)}.`;
    for (const [listId, items] of [['ev-failed', e.layers_failed], ['ev-recovered', e.layers_recovered], ['ev-evidence', e.evidence]]) {
      const ol = $(listId);
      clear(ol);
      for (const x of items) ol.append(el('li', {}, x));
      if (!items.length) ol.append(el('li', {}, listId === 'ev-recovered' && e.open ? 'nothing yet' : 'none recorded'));
    }
    const tl = $('ev-timeline');
    clear(tl);
    for (const s of e.timeline) {
      const words = s.text || `${s.layer}${s.target ? ' ' + s.target : ''}: ${s.change}`;
      tl.append(el('li', { 'data-layer': s.layer, 'data-change': s.change }, el('time', {}, iso(s.time)), words));
    }
    const start = Date.parse(e.start) / 1000, end = e.end ? Date.parse(e.end) / 1000 : Date.now() / 1000;
    const margin = Math.max(600, (end - start) * 0.3);
    const sig = await api(`/api/v1/signals/${encodeURIComponent(e.entity)}?from=${Math.floor(start - margin)}` +
      `&until=${Math.ceil(Math.min(end + margin, Date.now() / 1000))}&maxPoints=400`);
    drawPlots($('ev-plots'), sig[0] || [], [e], e.timeline, state.eventPlots);
  }

  // ---- routing and refresh ----

  let timer = null;
  async function route() {
    clearTimeout(timer);
    const m = location.hash.match(/^#\/event\/(\d+)$/);
    try {
      if (m) {
        $('overview').hidden = true; $('event').hidden = false;
        await showEvent(m[1]);
      } else {
        $('event').hidden = true; $('overview').hidden = false;
        await refreshOverview();
      }
      state.refreshes++;
      state.lastError = null;
      setStatus('updated ' + new Date().toLocaleTimeString());
    } catch (err) {
      state.lastError = String(err.message || err);
      setStatus('error: ' + state.lastError, true);
    }
    if ($('login').hidden) timer = setTimeout(route, REFRESH_MS);
  }

  $('entity').addEventListener('change', () => {
    state.entity = $('entity').value;
    if (location.hash.startsWith('#/event/')) location.hash = ''; // back to the overview, of that entity
    else route();
  });
  $('window').addEventListener('change', () => { state.windowS = Number($('window').value); route(); });
  window.addEventListener('hashchange', route);
  route();
})();
