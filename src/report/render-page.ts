/**
 * The report page: one self-contained HTML file (inline CSS and JS, no network), whose media
 * files lie in a folder beside it. The cards are built in the browser from one JSON block, so
 * sorting and filtering only reorder and hide elements; each card renders its first `cap`
 * members and the rest on request, images load lazily, and off-screen cards skip layout
 * (`content-visibility: auto`), so a 10,000-clip run stays light.
 */

/** One member on a card: [dir index, file name, thumbnail, has audio (0/1), confidence, label index]. */
export type PageMember = [number, string, string, 0 | 1, number | null, number];

/** One card's data. */
export interface PageCard {
  /** Cluster id. */
  c: number;
  /** Cluster size. */
  n: number;
  /** Mean confidence (null when unknown). */
  conf: number | null;
  /** Majority label index into `labels`, -1 when unknown; its count and the purity. */
  maj: number;
  majN: number;
  pur: number | null;
  /** Top nuisance values: [attribute, value, share in cluster, share overall]. */
  nui: [string, string, number, number][];
  /** The members are a sample of a larger cluster. */
  sampled: boolean;
  m: PageMember[];
}

/** Everything the page shows. */
export interface PageModel {
  title: string;
  /** Lines under the title (what the run is, when and how the report was made). */
  subtitle: string[];
  /** `videos` (3-frame strips, audio), `images` (the image itself) or `idx` (PNGs). */
  kind: 'videos' | 'images' | 'idx';
  /** Header key figures, e.g. [['NMI', '0.101'], ...]. */
  figures: [string, string][];
  /** The run's settings, e.g. [['k', '10'], ...]. */
  settings: [string, string][];
  /** Inline SVG charts. */
  charts: string[];
  /** Final NMI of the answer against each nuisance attribute, highest first. */
  nuisanceNmi: [string, number][];
  /** Truth classes (label indices point here). */
  labels: string[];
  /** Relative URL prefixes of the members' files (ending in '/', or '' for the page's folder). */
  dirs: string[];
  /** Relative URL of the media folder (no trailing '/'). */
  media: string;
  /** Extension of the audio files. */
  audioExt: string;
  /** Members rendered per card before "show more". */
  cap: number;
  /** Lines of things that went wrong while making the page (missing media). */
  notes: string[];
  cards: PageCard[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `
:root{--bg:#f6f6f3;--fg:#1d1d1b;--mut:#6b6b66;--card:#fff;--line:#deded8;--acc:#2f6fb0}
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header.top{padding:14px 20px 8px;border-bottom:1px solid var(--line);background:#fff}
h1{font-size:19px;margin:0 0 2px}
.sub{color:var(--mut);margin:0}
.figs{display:flex;flex-wrap:wrap;gap:6px 18px;margin:10px 0 6px}
.fig b{font-size:18px;display:block}
.fig span{color:var(--mut);font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
.chart text{font-size:10px;fill:#555}
.chart text.t{font-size:11px;fill:#222;font-weight:600}
details{margin:6px 0}
summary{cursor:pointer;color:var(--mut)}
.kv{display:flex;flex-wrap:wrap;gap:4px 8px;margin:6px 0;font:12px ui-monospace,monospace}
.kv span{background:#eeeeea;border-radius:3px;padding:1px 5px}
.nn{font-size:12px;color:var(--mut)}
.bar{position:sticky;top:0;z-index:2;display:flex;gap:14px;align-items:center;padding:8px 20px;background:#fbfbf9;border-bottom:1px solid var(--line)}
.bar label{color:var(--mut)}
#cards{display:flex;flex-direction:column;gap:12px;padding:12px 20px 40px}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px 12px;content-visibility:auto;contain-intrinsic-size:auto 260px}
.card h2{font-size:15px;margin:0;display:inline}
.card .meta{margin-left:10px;color:var(--mut)}
.card .meta b{color:var(--fg)}
.nui{margin:4px 0 0;font-size:12px;color:#7a4b00}
.note{margin:6px 0 0;font-size:12px;color:var(--mut)}
.members{display:grid;grid-template-columns:repeat(auto-fill,176px);gap:8px;margin-top:8px}
.images .members{grid-template-columns:repeat(auto-fill,84px)}
.member{margin:0;font-size:12px;width:168px}
.images .member{width:72px}
.member img{display:block;width:168px;height:56px;object-fit:contain;background:#222;border-radius:3px}
.member .ph{display:flex;align-items:center;justify-content:center;width:168px;height:56px;background:#ddd;color:#777;border-radius:3px}
.images .member img{width:72px;height:72px;image-rendering:pixelated;background:#fff}
.member figcaption{display:flex;gap:6px;align-items:center;margin-top:2px;color:var(--mut)}
.member .l{margin-left:auto;background:#e8eef6;color:#234;border-radius:3px;padding:0 4px}
.member .l.maj{background:#dcefdc;color:#153}
button.play{border:1px solid var(--line);background:#fff;border-radius:3px;cursor:pointer;padding:0 6px;font-size:11px;line-height:18px}
button.play.on{background:var(--acc);color:#fff}
button.play.err{border-color:#c33;color:#c33}
button.more{margin-top:8px;border:1px solid var(--line);background:#fff;border-radius:4px;padding:3px 10px;cursor:pointer}
.hidden{display:none}
`;

// The page's script (ES2017, no library). Kept readable: it is the page's whole behaviour.
const JS = `
(function () {
  var D = JSON.parse(document.getElementById('data').textContent);
  var list = document.getElementById('cards');
  var player = document.getElementById('player');
  var playing = null;
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function pct(x) { return Math.round(x * 100) + '%'; }
  function member(m, card) {
    var f = el('figure', 'member');
    var href = D.dirs[m[0]] + encodeURIComponent(m[1]);
    f.dataset.label = m[5];
    var a = el('a'); a.href = href; a.target = '_blank'; a.title = m[1];
    if (m[2] || D.kind !== 'videos') {
      var img = el('img'); img.loading = 'lazy'; img.alt = m[1]; img.decoding = 'async';
      img.src = m[2] ? D.media + '/' + m[2] : href;
      a.appendChild(img);
    } else {
      a.appendChild(el('span', 'ph', 'no preview'));
    }
    f.appendChild(a);
    var cap = el('figcaption');
    if (m[3]) {
      var b = el('button', 'play', '\\u25B6'); b.type = 'button'; b.title = 'play the audio of ' + m[1];
      b.dataset.src = D.media + '/' + m[2].replace(/\\.[a-z0-9]+$/, '') + '.' + D.audioExt;
      cap.appendChild(b);
    }
    if (m[4] != null) cap.appendChild(el('span', 'c', m[4].toFixed(2))).title = 'confidence';
    if (m[5] >= 0) cap.appendChild(el('span', 'l' + (m[5] === card.maj ? ' maj' : ''), D.labels[m[5]])).title = 'true label';
    f.appendChild(cap);
    return f;
  }
  function renderMembers(card, box, from, to) {
    var frag = document.createDocumentFragment();
    for (var i = from; i < to; i++) frag.appendChild(member(card.m[i], card));
    box.appendChild(frag);
  }
  function cardEl(card) {
    var s = el('section', 'card');
    s.dataset.c = card.c; s.dataset.n = card.n; s.dataset.label = card.maj;
    s.dataset.pur = card.pur == null ? -1 : card.pur; s.dataset.conf = card.conf == null ? -1 : card.conf;
    var h = el('div');
    h.appendChild(el('h2', null, 'cluster ' + card.c));
    var meta = el('span', 'meta');
    meta.innerHTML = '<b>' + card.n.toLocaleString('en') + '</b> ' + (D.kind === 'videos' ? 'clips' : 'images') +
      (card.conf != null ? ' \\u00B7 mean confidence <b>' + card.conf.toFixed(2) + '</b>' : '') +
      (card.pur != null ? ' \\u00B7 purity <b>' + card.pur.toFixed(2) + '</b> \\u00B7 majority <b class="mj"></b> (' + card.majN + ')' : '');
    if (card.pur != null) meta.querySelector('.mj').textContent = D.labels[card.maj];
    h.appendChild(meta); s.appendChild(h);
    if (card.nui.length) s.appendChild(el('p', 'nui', card.nui.map(function (u) { return u[0] + ' = ' + u[1] + ' ' + pct(u[2]) + ' (all ' + pct(u[3]) + ')'; }).join(' \\u00B7 ')));
    var box = el('div', 'members'); s.appendChild(box);
    var first = Math.min(D.cap, card.m.length);
    renderMembers(card, box, 0, first);
    if (card.m.length > first) {
      var more = el('button', 'more', 'show ' + (card.m.length - first) + ' more'); more.type = 'button';
      more.onclick = function () { renderMembers(card, box, first, card.m.length); more.remove(); };
      s.appendChild(more);
    }
    if (card.sampled) s.appendChild(el('p', 'note', 'a sample of ' + card.m.length + ' of ' + card.n.toLocaleString('en') + ': the most confident, then members drawn at random'));
    return s;
  }
  var cards = D.cards.map(cardEl);
  var frag = document.createDocumentFragment();
  cards.forEach(function (c) { frag.appendChild(c); });
  list.appendChild(frag);
  var sortSel = document.getElementById('sort'), labelSel = document.getElementById('label'), shown = document.getElementById('shown');
  function apply() {
    var key = sortSel.value, want = labelSel ? labelSel.value : '';
    var sorted = cards.slice().sort(function (a, b) {
      var x = a.dataset, y = b.dataset;
      if (key === 'cluster') return x.c - y.c;
      var f = key === 'size' ? 'n' : key === 'purity' ? 'pur' : 'conf';
      return (y[f] - x[f]) || (y.n - x.n) || (x.c - y.c);
    });
    var n = 0;
    sorted.forEach(function (c) { var hide = want !== '' && c.dataset.label !== want; c.classList.toggle('hidden', hide); if (!hide) n++; list.appendChild(c); });
    shown.textContent = n + ' of ' + cards.length + ' clusters';
  }
  sortSel.onchange = apply; if (labelSel) labelSel.onchange = apply;
  apply();
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button.play');
    if (!b) return;
    if (playing === b && !player.paused) { player.pause(); return; }
    if (playing) playing.classList.remove('on');
    playing = b; b.classList.add('on'); b.classList.remove('err');
    player.src = b.dataset.src;
    var p = player.play(); if (p && p.catch) p.catch(function () { b.classList.add('err'); });
  });
  function off() { if (playing) playing.classList.remove('on'); }
  player.addEventListener('ended', off); player.addEventListener('pause', off);
  player.addEventListener('error', function () { if (playing) { playing.classList.remove('on'); playing.classList.add('err'); } });
  document.body.dataset.ready = '1';
})();
`;

/** The whole page as one HTML string. */
export function renderPage(model: PageModel): string {
  const data = JSON.stringify({
    kind: model.kind,
    labels: model.labels,
    dirs: model.dirs,
    media: model.media,
    audioExt: model.audioExt,
    cap: model.cap,
    cards: model.cards,
  }).replace(/</g, '\\u003c'); // no "</script>" can end the block early
  const figures = model.figures.map(([k, v]) => `<div class="fig"><b>${esc(v)}</b><span>${esc(k)}</span></div>`).join('');
  const settings = model.settings.map(([k, v]) => `<span>${esc(k)}=${esc(v)}</span>`).join('');
  const nuisance = model.nuisanceNmi.length
    ? `<p class="nn">NMI of the answer vs known nuisance attributes (last label update): ${model.nuisanceNmi.map(([k, v]) => `${esc(k)} ${v.toFixed(3)}`).join(' · ')}</p>`
    : '';
  const labelFilter = model.labels.length
    ? `<label>majority label <select id="label"><option value="">all</option>${model.labels.map((l, i) => `<option value="${i}">${esc(l)}</option>`).join('')}</select></label>`
    : '';
  const notes = model.notes.length ? `<details><summary>${model.notes.length} note(s)</summary><ul>${model.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></details>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(model.title)}</title><link rel="icon" href="data:,"><style>${CSS}</style></head>
<body class="${model.kind === 'videos' ? 'videos' : 'images'}">
<header class="top"><h1>${esc(model.title)}</h1>${model.subtitle.map((s) => `<p class="sub">${esc(s)}</p>`).join('')}
<div class="figs">${figures}</div>
<div class="charts">${model.charts.join('')}</div>${nuisance}
<details><summary>settings</summary><div class="kv">${settings}</div></details>${notes}</header>
<div class="bar"><label>sort by <select id="sort"><option value="size">size</option><option value="purity">purity</option><option value="confidence">confidence</option><option value="cluster">cluster id</option></select></label>${labelFilter}<span id="shown"></span></div>
<main id="cards"></main>
<audio id="player" preload="none"></audio>
<script type="application/json" id="data">${data}</script>
<script>${JS}</script>
</body></html>
`;
}
