// Drives blackout's dashboard in Debian's headless Chromium with playwright-core.
// Run by tests/integration/test_serve_dashboard.sh, which starts the server
// (tests/helpers/serve_fixture) and passes:
//   BASE_URL, OUT_DIR (screenshots), FIXTURE (file to append an event to),
//   FIXTURE_PID (told to re-read it with SIGUSR1), USER_DATA_DIR (fresh profile).
// Prints "ok - NAME" / "not ok - NAME: why" lines for tests/run.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const { BASE_URL, OUT_DIR, FIXTURE, FIXTURE_PID, USER_DATA_DIR } = process.env;
let failed = 0;
function ok(name) { console.log(`ok - ${name}`); }
function fail(name, why) { console.log(`not ok - ${name}: ${why}`); failed = 1; }
function check(name, cond, why) { if (cond) ok(name); else fail(name, why); }

const consoleErrors = [];
const dialogs = [];
const requests = [];

const context = await chromium.launchPersistentContext(USER_DATA_DIR, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 1000 },
});
const page = context.pages()[0] || await context.newPage();
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push('pageerror: ' + e.message));
page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
page.on('request', (r) => requests.push(r.url()));
const shot = (name) => page.screenshot({ path: path.join(OUT_DIR, name), fullPage: true });

try {
  await page.goto(`${BASE_URL}/?refresh=2`);
  await page.waitForFunction(() => window.blackout && window.blackout.refreshes >= 1, null, { timeout: 30000 });
  ok('page loads and renders the overview');

  // plots: one per layer, each with data, and pixels on the canvas
  const plots = await page.evaluate(() => window.blackout.plots.map((u) => ({
    series: u.series.length,
    points: u.data[0].length,
    values: u.data.slice(1).reduce((n, s) => n + s.filter((v) => v !== null && v !== undefined).length, 0),
  })));
  const layers = await page.$$eval('#plots .plot-row', (rows) => rows.map((r) => r.dataset.layer));
  check('a plot per layer (router dns mail web bgp)', ['router', 'dns', 'mail', 'web', 'bgp'].every((l) => layers.includes(l)),
    `layers: ${layers.join(',')}`);
  check('every plot has data', plots.length >= 5 && plots.every((p) => p.points > 100 && p.values > 100),
    JSON.stringify(plots));
  check('router plot has 3 series + x (up, loss, rtt)', plots.length > 0 && plots[0].series === 4, JSON.stringify(plots[0]));
  const inked = await page.evaluate(() => {
    const c = document.querySelector('#plots canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
    return { n, total: c.width * c.height };
  });
  check('canvas is drawn (non-blank pixels)', inked.n > 2000, JSON.stringify(inked));
  // the event is shaded: pixels inside the event's span carry the cascade color
  const shaded = await page.evaluate(() => {
    const u = window.blackout.plots[0], e = window.blackout.events.find((x) => x.id === 1);
    const x = Math.round(u.valToPos((Date.parse(e.start) / 1000 + Date.parse(e.end) / 1000) / 2, 'x', true));
    const y = Math.round(u.bbox.top + u.bbox.height * 0.05);
    const p = u.ctx.getImageData(x, y, 1, 1).data;
    return [p[0], p[1], p[2], p[3]];
  });
  check('event shaded on the plot with its cause color', shaded[3] > 0 && shaded[0] > shaded[2], JSON.stringify(shaded));

  // targets grid colored by state, events list
  const tiles = await page.$$eval('#targets .tile', (ts) => ts.map((t) => t.className));
  check('target grid colored by state', tiles.some((c) => c.includes('state-up')) && tiles.some((c) => c.includes('state-down')),
    tiles.join(' '));
  const rows = await page.$$eval('#events tbody tr', (rs) => rs.map((r) => r.dataset.event));
  check('events list shows the cascade event', rows.includes('1'), `rows: ${rows}`);

  // hostile strings from the config/remote are text, not markup
  const hostile = await page.evaluate(() => ({
    title: document.title,
    imgs: document.querySelectorAll('img').length,
    scripts: document.querySelectorAll('script').length,
    optionText: [...document.querySelectorAll('#entity option')].map((o) => o.textContent).join('|'),
    gridText: document.getElementById('targets').textContent,
  }));
  check('hostile names are shown as text', hostile.optionText.includes('<img src=x onerror=') &&
    hostile.gridText.includes('<script>alert(1)</script>'), JSON.stringify(hostile));
  check('hostile names did not become markup', hostile.title === 'blackout' && hostile.imgs === 0 &&
    hostile.scripts === 2 && dialogs.length === 0, JSON.stringify({ ...hostile, dialogs }));
  await shot('dashboard-overview.png');

  // a new event appears after the fixture adds one
  fs.appendFileSync(FIXTURE, [
    'event 2 lab abrupt 1.0 0.9 -30 open every layer failed in the same round, no RTT rise before',
    'failed 2 router dns mail web bgp',
    'step 2 -30 router down border routers, services and routes lost in one round',
    'set lab web up -30 100000 0', 'set lab router up -30 100000 0', '',
  ].join('\n'));
  process.kill(Number(FIXTURE_PID), 'SIGUSR1');
  await page.waitForSelector('#events tbody tr[data-event="2"]', { timeout: 30000 });
  const cls = await page.$eval('#events tbody tr[data-event="2"]', (r) => r.className + ' ' + r.textContent);
  check('an event appears in the list after the fixture adds one', cls.includes('open') && cls.includes('abrupt'), cls);
  await shot('dashboard-new-event.png');

  // the event page: timeline in words, order of failure and recovery, plots
  await page.goto(`${BASE_URL}/?refresh=2#/event/1`);
  await page.waitForFunction(() => document.querySelectorAll('#ev-timeline li').length > 0 &&
    window.blackout.eventPlots.length >= 4, null, { timeout: 30000 });
  const ev = await page.evaluate(() => ({
    title: document.getElementById('ev-title').textContent,
    steps: [...document.querySelectorAll('#ev-timeline li')].map((l) => l.textContent),
    failed: [...document.querySelectorAll('#ev-failed li')].map((l) => l.textContent),
    recovered: [...document.querySelectorAll('#ev-recovered li')].map((l) => l.textContent),
    plots: window.blackout.eventPlots.length,
  }));
  check('event page: timeline in words', ev.steps.length === 12 && ev.steps[0].includes('RTT to the border routers rose') &&
    ev.steps[11].includes('web came back last'), JSON.stringify(ev.steps));
  check('event page: what failed first and what came back first', ev.failed[0] === 'web' && ev.recovered[0] === 'bgp',
    JSON.stringify([ev.failed, ev.recovered]));
  check('event page: cause in the title, plots drawn', ev.title.includes('cascade') && ev.plots >= 4, JSON.stringify(ev));
  await shot('dashboard-event.png');
  const sel = await page.evaluate(() => {
    const s = document.getElementById('entity');
    return { options: s.options.length, value: s.value };
  });
  check('event page: the header lists the entities, the event\'s selected', sel.options >= 1 && sel.value === 'lab',
    JSON.stringify(sel));
  // choosing an entity from the event page goes back to that entity's overview
  await page.selectOption('#entity', sel.value);
  await page.evaluate(() => { const s = document.getElementById('entity'); s.dispatchEvent(new Event('change')); });
  await page.waitForFunction(() => !document.getElementById('overview').hidden, null, { timeout: 15000 });
  ok('event page: choosing an entity returns to the overview');

  check('no request left loopback', requests.every((u) => u.startsWith(BASE_URL) || u.startsWith('data:')),
    requests.filter((u) => !u.startsWith(BASE_URL)).join(' '));
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
} catch (e) {
  fail('dashboard run', e.stack || String(e));
  await shot('dashboard-failure.png').catch(() => {});
} finally {
  await context.close();
}
process.exit(failed);
