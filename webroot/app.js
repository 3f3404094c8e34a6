// Enjambre dashboard: live view of the swarm from the web verticle's Server-Sent Events.
// The page runs under a strict Content-Security-Policy: no inline script or style anywhere.
// Every string that comes from the network (torrent names, client names, addresses, node names)
// goes into the page as text (textContent / text nodes), never as HTML.

const HISTORY_SECONDS = 300;
const history = [];            // {t, up, down} once per swarm event, whole cluster
let swarm = null;              // last /api/swarm document
let selected = null;           // infoHash shown in the piece map
const openNodes = new Set();   // node ids whose peer tables are expanded

// ---------- small DOM helpers (text only) ----------
function el(tag, props, ...children) {
  const e = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'title') e.title = v;
      else e.setAttribute(k, v);
    }
  }
  for (const c of children) {
    if (c == null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
function $(id) { return document.getElementById(id); }
function setText(id, v) { $(id).textContent = v; }

function bytes(n) {
  if (!Number.isFinite(n)) return '-';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n.toFixed(0) : n.toFixed(n < 10 ? 2 : 1)) + ' ' + u[i];
}
function rate(n) { return bytes(n) + '/s'; }
function axisRate(n) {
  const u = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (Number.isInteger(n) ? n : n.toFixed(1)) + ' ' + u[i];
}
function pct(p) { return (Math.max(0, Math.min(1, p)) * 100).toFixed(1) + ' %'; }
function shortHash(h) { return h ? h.slice(0, 8) + '\u2026' + h.slice(-4) : ''; }

function progressBar(p, label) {
  const v = Math.max(0, Math.min(1, Number(p) || 0));
  const bar = el('div', { class: 'bar' + (v >= 1 ? ' done' : ''), role: 'progressbar',
    'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': (v * 100).toFixed(1) });
  const fill = el('div', { class: 'fill' });
  fill.style.width = (v * 100).toFixed(2) + '%';
  bar.append(fill, el('span', { class: 'bar-label', text: label ?? pct(v) }));
  return bar;
}

function decodeBitfield(b64, count) {
  const bits = new Uint8Array(count);
  if (!b64) return bits;
  let raw;
  try { raw = atob(b64); } catch { return bits; }
  for (let i = 0; i < count; i++) {
    const byte = raw.charCodeAt(i >> 3);
    if (byte & (0x80 >> (i & 7))) bits[i] = 1;
  }
  return bits;
}

// ---------- the API token ----------
// Every change needs the node's token (and every read when the node is not on loopback). It comes
// once, from '#token=' in the URL that 'enjambre node' prints (the fragment never leaves the
// browser) or from the form, and is kept for this tab only (sessionStorage).
const TOKEN_KEY = 'enjambre-api-token';
(function takeTokenFromUrl() {
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    window.history.replaceState(null, '', location.pathname + location.search);
  }
})();
function token() { return sessionStorage.getItem(TOKEN_KEY); }
function askToken(why) {
  $('token-form').hidden = false;
  setText('token-why', why || '');
}
$('token-form').addEventListener('submit', ev => {
  ev.preventDefault();
  const v = ev.target.elements.token.value.trim();
  if (!v) return;
  sessionStorage.setItem(TOKEN_KEY, v);
  ev.target.reset();
  $('token-form').hidden = true;
  thisNodeAsked = 0;
  if (streamAbort) streamAbort.abort();
});

/** fetch with the token; a 401 forgets it and asks again. */
async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const t = token();
  if (t) headers.set('Authorization', 'Bearer ' + t);
  const res = await fetch(path, { ...options, headers, credentials: 'omit' });
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    askToken('The node refused the token: give the one it printed at start.');
  }
  return res;
}

// ---------- live stream ----------
// Server-Sent Events read with fetch, not EventSource: EventSource cannot send the token header.
let streamAbort = null;
async function connect() {
  const live = $('live');
  for (;;) {
    streamAbort = new AbortController();
    try {
      const res = await api('/api/events', { signal: streamAbort.signal, headers: { Accept: 'text/event-stream' } });
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
      live.className = 'live on';
      setText('live-text', 'live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          onEvent(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
        }
      }
    } catch (e) {
      // Reconnect below.
    }
    live.className = 'live off';
    setText('live-text', 'reconnecting');
    await new Promise(r => setTimeout(r, 2000));
  }
}

function onEvent(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (type !== 'swarm' || !data.length) return;
  let doc;
  try { doc = JSON.parse(data.join('\n')); } catch { return; }
  swarm = doc;
  record(doc);
  render();
}

function record(doc) {
  let up = 0, down = 0;
  for (const n of doc.nodes || []) { up += n.rates?.up || 0; down += n.rates?.down || 0; }
  history.push({ t: doc.time, up, down });
  while (history.length > HISTORY_SECONDS) history.shift();
}

// ---------- rendering ----------
function render() {
  const started = performance.now();
  try { renderAll(); } finally {
    // Exposed for the scale measurement (bench/dashboard.sh) and anyone curious in the console.
    window.enjambreRenderMillis = performance.now() - started;
  }
}

function renderAll() {
  const nodes = swarm.nodes || [];
  const trackers = swarm.trackers || [];
  const torrents = swarm.torrents || [];
  const last = history[history.length - 1] || { up: 0, down: 0 };
  setText('sum-nodes', nodes.length);
  setText('sum-trackers', trackers.filter(t => t.up).length + ' / ' + trackers.length);
  setText('sum-torrents', torrents.length);
  setText('sum-peers', nodes.reduce((a, n) => a + (n.torrents || []).reduce((b, t) => b + (t.counts?.peers || 0), 0), 0));
  setText('sum-up', rate(last.up));
  setText('sum-down', rate(last.down));
  if (!selected || !torrents.some(t => t.infoHash === selected)) selected = torrents[0]?.infoHash ?? null;
  renderTrackers(trackers);
  renderTorrents(torrents, nodes);
  renderNodes(nodes);
  renderDht(nodes);
  renderThisNode();
  drawChart();
  drawPieceMap();
  const urls = trackers.filter(t => t.up && t.announceUrl).map(t => t.announceUrl);
  const tr = $('create-trackers');
  if (!tr.value && !tr.dataset.touched && urls.length) tr.value = urls.join(', ');
}

function renderTrackers(trackers) {
  const box = $('trackers');
  if (!trackers.length) { box.replaceChildren(el('p', { class: 'empty', text: 'No tracker node has published yet.' })); return; }
  const rows = trackers.map(t => el('div', { class: 'tracker ' + (t.up ? 'up' : 'down') },
    el('span', { class: 'badge ' + (t.up ? 'ok' : 'bad'), text: t.up ? 'up' : 'down' }),
    el('div', { class: 'tmain' },
      el('div', { class: 'tname', text: t.name }),
      el('div', { class: 'hint', text: t.announceUrl || '' })),
    el('div', { class: 'tnum' }, el('b', { text: String(t.announces ?? 0) }), ' announces'),
    el('div', { class: 'tnum' }, el('b', { text: String(t.announceRate ?? 0) }), ' /s'),
    el('div', { class: 'tnum' }, el('b', { text: String((t.members || []).length) }), ' members')));
  box.replaceChildren(...rows);
}

function renderTorrents(torrents, nodes) {
  const box = $('torrents');
  if (!torrents.length) {
    box.replaceChildren(el('p', { class: 'empty', text: 'No torrent in the swarm yet. Create one or add a .torrent below.' }));
    return;
  }
  const head = el('tr', null, ...['Torrent', 'Size', 'Seeders', 'Leechers', 'Completed', 'Nodes', '\u25B2', '\u25BC', ''].map(h => el('th', { text: h })));
  const rows = torrents.map(t => {
    const hosting = (t.nodes || []);
    const avg = hosting.length ? hosting.reduce((a, n) => a + (n.progress || 0), 0) / hosting.length : 0;
    const tr = el('tr', { class: 'torrent-row' + (t.infoHash === selected ? ' selected' : '') },
      el('td', { class: 'tname-cell' },
        el('div', { class: 'torrent-name', text: t.name ?? '(not hosted by any node)', title: t.name ?? '' }),
        el('div', { class: 'hint mono', text: t.infoHash })),
      el('td', { text: t.length != null ? bytes(t.length) : '-' }),
      el('td', { class: 'num', text: String(t.seeders ?? 0) }),
      el('td', { class: 'num', text: String(t.leechers ?? 0) }),
      el('td', { class: 'num', text: String(t.completed ?? 0) }),
      el('td', null, progressBar(avg, hosting.length + ' node' + (hosting.length === 1 ? '' : 's') + ' \u00B7 ' + pct(avg))),
      el('td', { class: 'up', text: rate(t.rates?.up || 0) }),
      el('td', { class: 'down', text: rate(t.rates?.down || 0) }),
      el('td', null, el('button', { type: 'button', class: 'small', text: 'piece map',
        onclick: () => { selected = t.infoHash; render(); $('piecemap-card').scrollIntoView({ behavior: 'smooth' }); } })));
    return tr;
  });
  box.replaceChildren(el('table', { class: 'table' }, el('thead', null, head), el('tbody', null, ...rows)));
}

function flags(f) {
  // The usual client notation: D/d we download (unchoked/choked while interested), U/u we upload.
  if (!f) return '';
  const parts = [];
  parts.push(f.amInterested ? (f.peerChoking ? 'd' : 'D') : '-');
  parts.push(f.peerInterested ? (f.amChoking ? 'u' : 'U') : '-');
  return parts.join('');
}

function flagTitle(f) {
  if (!f) return '';
  return [
    f.amChoking ? 'we choke it' : 'we unchoke it',
    f.amInterested ? 'we are interested' : 'we are not interested',
    f.peerChoking ? 'it chokes us' : 'it unchokes us',
    f.peerInterested ? 'it is interested' : 'it is not interested'].join(', ');
}

function renderNodes(nodes) {
  const box = $('nodes');
  if (!nodes.length) { box.replaceChildren(el('p', { class: 'empty', text: 'Waiting for the first node state.' })); return; }
  const byPeerId = new Map(nodes.filter(n => n.peerId).map(n => [n.peerId, n.name]));
  // A peer that is a node of this cluster reports its own progress; prefer it to what the
  // connection saw (peers need not send 'have' for pieces we already have, so a seeder's view
  // of a leecher's progress can lag behind).
  const selfProgress = new Map();
  for (const n of nodes) for (const t of n.torrents || []) selfProgress.set(n.peerId + ' ' + t.infoHash, t.progress);
  const cards = [...nodes].sort((a, b) => String(a.name).localeCompare(String(b.name))).map(n => {
    const ts = n.torrents || [];
    const open = openNodes.has(n.id);
    const peersCount = ts.reduce((a, t) => a + (t.peers || []).length, 0);
    const card = el('div', { class: 'node' + (n.tracker ? ' has-tracker' : '') },
      el('div', { class: 'node-head' },
        el('span', { class: 'node-name', text: n.name }),
        n.tracker ? el('span', { class: 'badge info', text: 'tracker' }) : null,
        el('span', { class: 'hint', text: 'peer port ' + n.peerPort + ' \u00B7 web ' + n.webPort }),
        el('span', { class: 'spacer' }),
        el('span', { class: 'up', text: '\u25B2 ' + rate(n.rates?.up || 0) }),
        el('span', { class: 'down', text: '\u25BC ' + rate(n.rates?.down || 0) }),
        el('button', { type: 'button', class: 'small', text: (open ? 'hide' : 'show') + ' ' + peersCount + ' peers',
          onclick: () => { open ? openNodes.delete(n.id) : openNodes.add(n.id); render(); } })));
    for (const t of ts) {
      const line = el('div', { class: 'node-torrent' },
        el('span', { class: 'nt-name', text: t.name, title: t.name }),
        progressBar(t.progress, t.fetchingMetadata ? 'fetching metadata' : pct(t.progress) + (t.complete ? ' \u00B7 seeding' : '')),
        el('span', { class: 'up', text: rate(t.rates?.up || 0) }),
        el('span', { class: 'down', text: rate(t.rates?.down || 0) }),
        el('span', { class: 'hint', text: t.fetchingMetadata
          // A magnet link before its info dictionary came: no pieces to count yet.
          ? 'fetching metadata (' + (t.counts?.peers ?? 0) + ' peers)'
          : (t.counts?.peers ?? 0) + ' peers, ' + (t.counts?.piecesVerified ?? 0) + '/' + (t.pieceCount ?? 0)
          + ' pieces' + (t.counts?.hashFailures ? ', ' + t.counts.hashFailures + ' hash failures' : '') }));
      card.append(line);
      if (open && (t.peers || []).length) {
        const head = el('tr', null, ...['Peer', 'Client', 'Progress', '\u25B2 to it', '\u25BC from it', 'Flags'].map(h => el('th', { text: h })));
        const rows = t.peers.map(p => ({ ...p, progress: selfProgress.get(p.peerId + ' ' + t.infoHash) ?? p.progress })).map(p => el('tr', null,
          el('td', { class: 'mono' }, p.address, byPeerId.has(p.peerId) ? el('span', { class: 'hint', text: ' (' + byPeerId.get(p.peerId) + ')' }) : null),
          el('td', { text: p.client }),
          el('td', null, progressBar(p.progress)),
          el('td', { class: 'up', text: rate(p.rates?.up || 0) }),
          el('td', { class: 'down', text: rate(p.rates?.down || 0) }),
          el('td', { class: 'mono', text: flags(p.flags), title: flagTitle(p.flags) })));
        card.append(el('table', { class: 'table peers' }, el('thead', null, head), el('tbody', null, ...rows)));
      }
    }
    if (!ts.length) card.append(el('p', { class: 'empty', text: 'hosts no torrent' }));
    return card;
  });
  box.replaceChildren(...cards);
}

// One row per node that sends its DHT part (older nodes don't): each figure in a cell named by
// data-field, so a reader (or a test) finds it without counting columns.
function renderDht(nodes) {
  const box = $('dht');
  const withDht = [...nodes].filter(n => n.dht).sort((a, b) => String(a.name).localeCompare(String(b.name)));
  if (!withDht.length) { box.replaceChildren(el('p', { class: 'empty', text: 'No node has published its DHT yet.' })); return; }
  const head = el('tr', null, ...['Node', 'DHT', 'Node id', 'UDP port', 'Nodes good / questionable',
    'Stored torrents / peers', 'Lookups done / in flight', 'Queries received / refused / malformed'].map(h => el('th', { text: h })));
  const cell = (field, value) => el('td', { class: 'num', 'data-field': field, text: String(value ?? 0) });
  const rows = withDht.map(n => {
    const d = n.dht;
    if (!d.enabled) {
      return el('tr', { 'data-node': n.name }, el('td', { text: n.name }),
        el('td', { 'data-field': 'enabled' }, el('span', { class: 'badge', text: 'off' })), el('td', { colspan: '6', class: 'hint', text: '--no-dht' }));
    }
    return el('tr', { 'data-node': n.name },
      el('td', { text: n.name }),
      el('td', { 'data-field': 'enabled' }, el('span', { class: 'badge ok', text: 'on' })),
      el('td', { class: 'mono', title: d.nodeId, text: shortHash(d.nodeId) }),
      cell('port', d.port),
      el('td', { class: 'num' }, el('span', { 'data-field': 'goodNodes', text: String(d.goodNodes) }), ' / ',
        el('span', { 'data-field': 'questionableNodes', text: String(d.questionableNodes) })),
      el('td', { class: 'num' }, el('span', { 'data-field': 'storedTorrents', text: String(d.storedTorrents) }), ' / ',
        el('span', { 'data-field': 'storedPeers', text: String(d.storedPeers) })),
      el('td', { class: 'num' }, el('span', { 'data-field': 'lookups', text: String(d.lookups) }), ' / ',
        el('span', { 'data-field': 'lookupsInFlight', text: String(d.lookupsInFlight) })),
      el('td', { class: 'num' }, el('span', { 'data-field': 'queriesReceived', text: String(d.queriesReceived) }), ' / ',
        el('span', { 'data-field': 'queriesRefused', text: String(d.queriesRefused) }), ' / ',
        el('span', { 'data-field': 'malformed', text: String(d.malformed) })));
  });
  box.replaceChildren(el('table', { class: 'table dht' }, el('thead', null, head), el('tbody', null, ...rows)));
}

let thisNode = null;
let thisNodeAsked = 0;
function renderThisNode() {
  const now = Date.now();
  if (now - thisNodeAsked > 2000) {
    thisNodeAsked = now;
    api('/api/node').then(r => r.ok ? r.json() : null).then(n => { if (n) { thisNode = n; drawHosted(); } }).catch(() => {});
  }
}

function drawHosted() {
  setText('this-node', thisNode ? thisNode.name : '');
  const box = $('hosted');
  const ts = thisNode?.torrents || [];
  if (!ts.length) { box.replaceChildren(el('p', { class: 'empty', text: 'Nothing hosted on this node.' })); return; }
  box.replaceChildren(...ts.map(t => el('div', { class: 'hosted' },
    el('span', { class: 'nt-name', text: t.name, title: t.name }),
    progressBar(t.progress),
    el('button', { type: 'button', class: 'small danger', text: 'remove', onclick: () => removeTorrent(t) }))));
}

async function removeTorrent(t) {
  const res = await api('/api/node/torrents/' + encodeURIComponent(t.infoHash), { method: 'DELETE' });
  const body = await res.json().catch(() => ({}));
  showResult('add-result', res.ok, res.ok ? 'Removed ' + t.name + ' (its data stays on disk).' : body.error || 'HTTP ' + res.status);
  thisNodeAsked = 0;
}

// ---------- canvases ----------
function fitCanvas(c, cssHeight) {
  const dpr = window.devicePixelRatio || 1;
  const w = c.clientWidth || c.parentElement.clientWidth;
  if (cssHeight) c.style.height = cssHeight + 'px';
  const h = c.clientHeight || cssHeight;
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
  }
  const ctx = c.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

function drawChart() {
  const c = $('chart');
  const { ctx, w, h } = fitCanvas(c);
  ctx.clearRect(0, 0, w, h);
  const padL = 84, padB = 20, padT = 10, padR = 10;
  const pw = w - padL - padR, ph = h - padT - padB;
  const max = Math.max(1024, ...history.map(p => Math.max(p.up, p.down)));
  const nice = niceMax(max);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = css('--muted');
  ctx.strokeStyle = css('--grid');
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = padT + ph - (ph * i) / 4;
    ctx.beginPath(); ctx.moveTo(padL, y + 0.5); ctx.lineTo(w - padR, y + 0.5); ctx.stroke();
    ctx.textAlign = 'right'; ctx.textBaseline = i === 0 ? 'bottom' : 'middle';
    ctx.fillText(axisRate((nice * i) / 4), padL - 8, y);
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  for (let s = 0; s <= HISTORY_SECONDS; s += 60) {
    const x = padL + pw - (pw * s) / HISTORY_SECONDS;
    ctx.textAlign = s === 0 ? 'right' : s === HISTORY_SECONDS ? 'left' : 'center';
    ctx.fillText(s === 0 ? 'now' : '-' + s / 60 + ' min', x, padT + ph + 4);
  }
  const series = (key, color) => {
    if (history.length < 2) return;
    const now = history[history.length - 1].t;
    ctx.beginPath();
    history.forEach((p, i) => {
      const x = padL + pw - (pw * (now - p.t)) / (HISTORY_SECONDS * 1000);
      const y = padT + ph - (ph * p[key]) / nice;
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.stroke();
    const firstX = padL + pw - (pw * (now - history[0].t)) / (HISTORY_SECONDS * 1000);
    ctx.lineTo(padL + pw, padT + ph); ctx.lineTo(firstX, padT + ph); ctx.closePath();
    ctx.globalAlpha = 0.12; ctx.fillStyle = color; ctx.fill(); ctx.globalAlpha = 1;
  };
  series('down', css('--down'));
  series('up', css('--up'));
}

function niceMax(v) {
  const p = Math.pow(2, Math.ceil(Math.log2(v)));
  return p;
}

function drawPieceMap() {
  const c = $('piecemap');
  const torrent = (swarm?.torrents || []).find(t => t.infoHash === selected);
  if (!torrent) {
    setText('piecemap-title', 'select a torrent');
    setText('piecemap-note', '');
    const { ctx, w, h } = fitCanvas(c, 40);
    ctx.clearRect(0, 0, w, h);
    return;
  }
  // Rows: every cluster node hosting the torrent (its own bitfield), then the other peers its
  // nodes see (their bitfields), one row per peer id.
  const rows = [];
  const clusterIds = new Set();
  for (const n of swarm.nodes || []) {
    const t = (n.torrents || []).find(x => x.infoHash === selected);
    if (!t) continue;
    if (n.peerId) clusterIds.add(n.peerId);
    rows.push({ label: n.name, kind: 'node', bits: decodeBitfield(t.bitfield, t.pieceCount), count: t.pieceCount });
  }
  const seen = new Set();
  for (const n of swarm.nodes || []) {
    const t = (n.torrents || []).find(x => x.infoHash === selected);
    for (const p of t?.peers || []) {
      if (clusterIds.has(p.peerId) || seen.has(p.peerId)) continue;
      seen.add(p.peerId);
      rows.push({ label: p.address + ' ' + p.client, kind: 'peer', bits: decodeBitfield(p.bitfield, t.pieceCount), count: t.pieceCount });
    }
  }
  const pieces = rows.length ? rows[0].count : (torrent.pieceCount || 0);
  setText('piecemap-title', (torrent.name ?? torrent.infoHash) + ' \u00B7 ' + pieces + ' pieces \u00B7 ' + rows.length + ' rows');
  const labelW = 180, rowH = 16, availH = 14, gap = 6;
  const height = availH + gap + Math.max(1, rows.length) * rowH + 4;
  const { ctx, w, h } = fitCanvas(c, height);
  ctx.clearRect(0, 0, w, h);
  if (!pieces) return;
  const mapW = Math.max(50, w - labelW - 8);
  // Bucket pieces into columns of at least 2 px so thousands of pieces stay readable.
  const cols = Math.max(1, Math.min(pieces, Math.floor(mapW / 2)));
  const per = pieces / cols;
  const colW = mapW / cols;
  const avail = new Uint16Array(pieces);
  for (const r of rows) for (let i = 0; i < pieces; i++) avail[i] += r.bits[i];
  let minAvail = Infinity, maxAvail = 0;
  for (let i = 0; i < pieces; i++) { if (avail[i] < minAvail) minAvail = avail[i]; if (avail[i] > maxAvail) maxAvail = avail[i]; }
  // "Rarest" means something only when availability differs between pieces.
  const rarity = minAvail < maxAvail;
  const rareCols = new Uint8Array(cols);
  const colAvail = new Float32Array(cols);
  for (let cIdx = 0; cIdx < cols; cIdx++) {
    const a = Math.floor(cIdx * per), b = Math.max(a + 1, Math.floor((cIdx + 1) * per));
    let sum = 0;
    for (let i = a; i < b; i++) { sum += avail[i]; if (rarity && avail[i] === minAvail) rareCols[cIdx] = 1; }
    colAvail[cIdx] = sum / (b - a);
  }
  const have = css('--have'), rare = css('--rare'), missing = css('--missing');
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = css('--muted');
  ctx.textAlign = 'right';
  ctx.fillText('availability', labelW - 8, availH / 2);
  const maxA = Math.max(1, rows.length);
  for (let cIdx = 0; cIdx < cols; cIdx++) {
    const x = labelW + cIdx * colW;
    // Heat: from red (held by the fewest) to green (held by every row); rarest pieces full red.
    const f = colAvail[cIdx] / maxA;
    ctx.fillStyle = rareCols[cIdx] ? rare : 'hsl(' + Math.round(10 + 110 * f) + ', 65%, ' + Math.round(30 + 18 * f) + '%)';
    ctx.fillRect(x, 0, Math.max(1, colW - (colW > 3 ? 1 : 0)), availH);
  }
  rows.forEach((r, ri) => {
    const y = availH + gap + ri * rowH;
    ctx.fillStyle = r.kind === 'node' ? css('--text') : css('--muted');
    ctx.textAlign = 'right';
    ctx.fillText(clip(ctx, r.label, labelW - 12), labelW - 8, y + rowH / 2);
    for (let cIdx = 0; cIdx < cols; cIdx++) {
      const a = Math.floor(cIdx * per), b = Math.max(a + 1, Math.floor((cIdx + 1) * per));
      let n = 0;
      for (let i = a; i < b; i++) n += r.bits[i];
      const f = n / (b - a);
      const x = labelW + cIdx * colW;
      const cw = Math.max(1, colW - (colW > 3 ? 1 : 0));
      if (f === 0) {
        ctx.fillStyle = rareCols[cIdx] ? rare : missing;
        ctx.globalAlpha = rareCols[cIdx] ? 0.3 : 1;
      } else {
        ctx.fillStyle = have;
        ctx.globalAlpha = f === 1 ? 1 : 0.35 + 0.5 * f;
      }
      ctx.fillRect(x, y + 2, cw, rowH - 4);
      ctx.globalAlpha = 1;
    }
  });
  const rareText = rarity ? ' Rarest pieces (red) are held by ' + minAvail + ' of ' + rows.length + ' rows.'
    : ' Every piece is held by ' + minAvail + ' of ' + rows.length + ' rows.';
  setText('piecemap-note', (cols < pieces
    ? 'Each column is ' + per.toFixed(1) + ' pieces; its shade is the share of them a row has.'
    : 'One column per piece.') + rareText);
}

function clip(ctx, text, width) {
  text = String(text);
  if (ctx.measureText(text).width <= width) return text;
  while (text.length > 1 && ctx.measureText(text + '\u2026').width > width) text = text.slice(0, -1);
  return text + '\u2026';
}

// ---------- forms ----------
function showResult(id, ok, message) {
  const p = $(id);
  p.className = 'result ' + (ok ? 'ok' : 'bad');
  p.textContent = message;
}

$('create-trackers').addEventListener('input', e => { e.target.dataset.touched = '1'; });

$('create-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  const form = ev.target;
  const data = new FormData();
  const files = form.elements.files.files;
  if (!files.length) { showResult('create-result', false, 'Choose at least one file.'); return; }
  for (const f of files) data.append('file', f, f.name);
  for (const k of ['name', 'trackers', 'pieceLength']) if (form.elements[k].value) data.append(k, form.elements[k].value);
  const seed = form.elements.seed.checked;
  showResult('create-result', true, 'Hashing\u2026');
  try {
    // Seeding keeps the files on this node (POST /api/node/seed); otherwise only the .torrent is made.
    const res = await api(seed ? '/api/node/seed' : '/api/torrents', { method: 'POST', body: data });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      showResult('create-result', false, body.error || 'HTTP ' + res.status);
      return;
    }
    const blob = await res.blob();
    // Kept for the browser test and the console: the page's policy forbids fetching blob: URLs back.
    window.enjambreCreatedTorrent = blob;
    const hash = res.headers.get('X-Info-Hash') || '';
    const name = (form.elements.name.value || files[0].name) + '.torrent';
    const a = el('a', { href: URL.createObjectURL(blob), download: name, id: 'created-link', text: 'download ' + name });
    const p = $('create-result');
    p.className = 'result ok';
    p.replaceChildren('Created ' + hash + ' ', a);
    a.click();
    thisNodeAsked = 0;
  } catch (e) {
    showResult('create-result', false, String(e));
  }
});

$('add-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  const form = ev.target;
  const file = form.elements.torrent.files[0];
  const magnet = form.elements.magnet.value.trim();
  let res;
  try {
    if (file) {
      const data = new FormData();
      data.append('torrent', file, file.name);
      res = await api('/api/node/torrents', { method: 'POST', body: data });
    } else if (magnet) {
      res = await api('/api/node/torrents', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ magnet }) });
    } else {
      showResult('add-result', false, 'Choose a .torrent file or paste a magnet link.');
      return;
    }
    const body = await res.json().catch(() => ({}));
    showResult('add-result', res.ok, !res.ok ? body.error || 'HTTP ' + res.status
      : body.fetchingMetadata ? 'Added ' + body.name + ': fetching its metadata from peers.'
      : 'Added ' + body.name + ' (' + pct(body.progress) + ' already here).');
    if (res.ok) form.reset();
    thisNodeAsked = 0;
  } catch (e) {
    showResult('add-result', false, String(e));
  }
});

window.addEventListener('resize', () => { if (swarm) { drawChart(); drawPieceMap(); } });
if (!token()) askToken('Changes need the token that enjambre node printed at start.');
connect();
