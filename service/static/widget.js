/*! Newsroom search widget. A publisher pastes two lines:
 *     <script src="https://search.example/widget.js" defer></script>
 *     <div data-nsw-search data-nsw-per-page="5"></div>
 * Options (data attributes on the element): data-nsw-endpoint (API base URL; default: where
 * this script came from), data-nsw-key (a widget key from the service's admin: the sites,
 * kinds and languages this page searches), data-nsw-per-page, data-nsw-kinds ("article,quote": what may be
 * searched), data-nsw-placeholder, data-nsw-label, data-nsw-target (where results open:
 * "_blank", a window name; default this page), data-nsw-history="off" (keep no state in the
 * page's URL). Any reader control can be fixed, which hides it: data-nsw-sort ("-date"),
 * data-nsw-kind ("quote"), data-nsw-date ("week", "month", "year"), data-nsw-from and
 * data-nsw-to (YYYY-MM-DD), data-nsw-lang ("de"). Theme with CSS variables: --nsw-accent,
 * --nsw-text, --nsw-muted, --nsw-bg, --nsw-mark, --nsw-font, --nsw-max-width.
 * Events on the element: nsw-loading, nsw-results, nsw-error, nsw-clear and nsw-open
 * (cancelable; detail.url is about to be opened). When the service records analytics, a
 * search is reported once the reader settles on it (Enter, a result opened, or 1.5 s without
 * typing), and the result a reader opens (the search's id, the result's id and position).
 *
 * The search is kept in the page's URL (nsw-q, nsw-sort, nsw-kind, nsw-date, nsw-from,
 * nsw-to, nsw-lang, nsw-author, nsw-speaker, nsw-group): a settled search can be shared, and
 * the back button returns to the one before. The kinds, sorts, page sizes and languages come
 * from the service, written into this file as it is served (CONFIG below).
 *
 * Plain JavaScript, no framework, no build step. Everything the widget owns is prefixed
 * "nsw": classes, CSS variables, data attributes, URL parameters and events. It renders into
 * a shadow root, so the host page's CSS cannot reach it. Result fields are set as text; the
 * snippet is the one piece of HTML, and only its text and <mark> elements are kept.
 */
(() => {
  "use strict";
  const SCRIPT = document.currentScript; // only set while this file first runs
  const BASE = SCRIPT && SCRIPT.src ? new URL(".", SCRIPT.src).href : location.origin + "/";
  const CONFIG = /*nsw-config*/null || {kinds: ["article", "bio", "quote"], sorts: ["relevance", "-date"],
    per_page: 10, max_per_page: 50, dates: {week: 7, month: 30, year: 365}, langs: []};
  const KINDS = CONFIG.kinds;
  const KIND_NAMES = {article: "Articles", quote: "Quotes", bio: "People"};
  const SORT_NAMES = {relevance: "Relevance", "-date": "Newest first", date: "Oldest first"};
  const DATE_NAMES = {week: "Past week", month: "Past month", year: "Past year"};
  const FILTER_NAMES = {author: "Author", speaker: "Speaker", kind: "Type", lang: "Language"};
  const KEYS = ["q", "kind", "sort", "date", "from", "to", "lang", "group"]; // one value each
  const DEBOUNCE_MS = 300;
  const SETTLE_MS = 1500; // a search counts once the reader stops typing this long
  const TIMEOUT_MS = 15000;
  const MAX_AUTHORS = 10;
  const POPULAR = 8; // popular searches offered while the box is empty
  const DOWN = "Search is unavailable right now. Please try again later.";
  const A = "var(--nsw-accent,#1a56db)";
  const MUTED = "var(--nsw-muted,#59636e)";
  const HOVER = "var(--nsw-hover,#f2f4f7)";
  const ACTIVE = "var(--nsw-active,#e8effd)";
  const LINE = "1px solid #c4c9d0";
  // :host !important beats the page's !important rules; all:initial stops inherited styles.
  const CSS = `:host{all:initial!important;display:block!important}
:host([hidden]){display:none!important}
*,::before,::after{box-sizing:border-box}
[hidden]{display:none!important}
.nsw-root{position:relative;max-width:var(--nsw-max-width,760px);text-align:left;container-type:inline-size;
font:15px/1.45 var(--nsw-font,system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif);
color:var(--nsw-text,#1f2328)}
.nsw-vh{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;border:0;
overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.nsw-field{position:relative}
.nsw-input{display:block;width:100%;margin:0;padding:10px 48px 10px 14px;font:inherit;font-size:16px;
color:inherit;background:var(--nsw-bg,#fff);border:${LINE};border-radius:8px;outline:0;appearance:none}
.nsw-input::-webkit-search-cancel-button{display:none}
.nsw-input:focus{border-color:${A};box-shadow:0 0 0 3px rgba(26,86,219,.2)}
.nsw-clear{position:absolute;top:50%;right:6px;width:34px;height:34px;margin-top:-17px;padding:0;
font-family:inherit;font-size:24px;line-height:1;color:${MUTED};background:none;border:0;border-radius:6px;cursor:pointer}
.nsw-clear:hover{background:${HOVER}}
.nsw-bar{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;margin-top:10px}
.nsw-tabs{display:flex;flex-wrap:wrap;gap:4px}
.nsw-tab,.nsw-toggle,.nsw-ctl select,.nsw-ctl input{margin:0;padding:4px 10px;font:inherit;font-size:14px;
color:inherit;background:var(--nsw-bg,#fff);border:${LINE};border-radius:16px;cursor:pointer}
.nsw-ctl select,.nsw-ctl input{border-radius:6px;padding:4px 6px}
.nsw-tab[aria-pressed=true]{background:${ACTIVE};border-color:${A};font-weight:600}
.nsw-tab .nsw-count{margin-left:4px}
.nsw-ctl{display:inline-flex;align-items:center;gap:6px;font-size:13px;color:${MUTED}}
.nsw-toggle{display:none}
.nsw-status{margin:8px 2px 0;font-size:13px;color:${MUTED}}
.nsw-status:empty{display:none}
.nsw-error{margin:10px 0 0;padding:10px 12px;border:1px solid #f0b9b9;border-radius:8px;
background:#fdf0f0;color:#8a1c1c}
.nsw-dym,.nsw-without,.nsw-none p,.nsw-popular{margin:8px 2px 0}
.nsw-popular .nsw-values{display:flex;flex-wrap:wrap;gap:2px 14px}
.nsw-none button{margin:2px 8px 2px 0}
.nsw-link{margin:0;padding:0;font:inherit;font-weight:600;color:${A};background:none;border:0;
text-decoration:underline;cursor:pointer}
.nsw-body{display:flex;flex-wrap:wrap;gap:16px 24px;margin-top:10px}
.nsw-main{flex:999 1 320px;min-width:0}
.nsw-facets{flex:1 1 170px}
.nsw-facets:empty{display:none}
.nsw-list,.nsw-values{list-style:none;margin:0;padding:0}
.nsw-result{margin:0 0 4px;padding:9px 12px;border:1px solid transparent;border-radius:8px;
cursor:pointer}
.nsw-result:hover{background:${HOVER}}
.nsw-result[aria-selected=true]{background:${ACTIVE};border-color:${A}}
.nsw-title{display:block;font-size:16px;font-weight:600;color:${A};text-decoration:none}
.nsw-linked{cursor:pointer}.nsw-linked:hover .nsw-title{text-decoration:underline}
.nsw-meta{display:flex;flex-wrap:wrap;align-items:center;gap:2px 10px;margin:3px 0;font-size:13px;
color:${MUTED}}
.nsw-badge{padding:0 8px;border-radius:9px;font-size:12px;font-weight:600;background:#eceff3;
color:#3d4650}
.nsw-badge-quote{background:#fff3dc;color:#744800}
.nsw-badge-bio{background:#e6f5ec;color:#1d6437}
.nsw-snippet,.nsw-from{margin:0;font-size:14px;overflow-wrap:anywhere}
.nsw-from{color:${MUTED}}
.nsw-quotes{margin:6px 0 0;padding:0 0 0 12px;border-left:3px solid #f0d9a8;list-style:none;font-size:14px}
.nsw-quotes li{margin:2px 0}
.nsw-versions{padding:2px 12px 8px 24px;font-size:13px;font-weight:600;color:${A}}
.nsw-mark{padding:0 1px;border-radius:2px;background:var(--nsw-mark,#ffec8f);color:inherit}
.nsw-more{margin:6px 12px}
.nsw-group{margin:0 0 14px}
.nsw-heading{margin:0 0 4px;font-size:12px;font-weight:700;letter-spacing:.05em;
text-transform:uppercase;color:${MUTED}}
.nsw-facet{display:flex;justify-content:space-between;gap:8px;width:100%;margin:0 0 2px;
padding:3px 8px;font:inherit;font-size:14px;text-align:left;color:inherit;background:none;
border:1px solid transparent;border-radius:6px;cursor:pointer}
.nsw-facet:hover{background:${HOVER}}
.nsw-facet[aria-pressed=true]{background:${ACTIVE};border-color:${A};font-weight:600}
.nsw-facet[aria-pressed=true] .nsw-value::before{content:"\\2713\\a0"}
.nsw-count{color:${MUTED};font-variant-numeric:tabular-nums}
@container (max-width:600px){.nsw-toggle{display:inline-block}
.nsw-facets{order:-1;flex-basis:100%;padding:8px;border:${LINE};border-radius:8px}
.nsw-facets:not(.nsw-open){display:none}}
:focus-visible{outline:2px solid ${A};outline-offset:2px}`;
  let sheet = null;
  let count = 0;
  const widgets = new WeakMap();

  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  };
  const attrs = (node, map) => {
    for (const name in map) node.setAttribute(name, map[name]);
    return node;
  };
  const button = (cls, text) => attrs(el("button", cls, text), {type: "button"});
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const iso = (d) => d.toISOString().slice(0, 10);

  /** Rebuild the snippet from its text and <mark> elements only; anything else becomes text. */
  const snippet = (html) => {
    const tpl = document.createElement("template");
    tpl.innerHTML = html; // template content is inert: nothing in it loads or runs
    const out = document.createDocumentFragment();
    for (const node of tpl.content.childNodes) {
      out.append(node.nodeName === "MARK" ? el("mark", "nsw-mark", node.textContent) : node.textContent);
    }
    return out;
  };
  const quoted = (node, html) => node.append("\u201c", snippet(html || ""), "\u201d");
  /** Return an http(s) URL, or null for anything else (javascript:, garbage). */
  const link = (url) => {
    try {
      const u = new URL(url, location.href);
      return url && /^https?:$/.test(u.protocol) ? u.href : null;
    } catch (e) {
      return null;
    }
  };
  const day = (iso) => {
    const d = new Date(iso + "T00:00:00Z");
    return isNaN(d) ? iso : d.toLocaleDateString(undefined,
      {year: "numeric", month: "short", day: "numeric", timeZone: "UTC"});
  };
  const who = (r) => r.speaker ? r.speaker + (r.speaker_role ? ", " + r.speaker_role : "") : "";
  const badge = (r) => {
    if (r.kind === "quote") return "Quote" + (r.speaker ? " \u00b7 " + who(r) : "");
    const n = r.article_count;
    if (r.kind === "bio") return "Bio" + (n != null ? " \u00b7 " + plural(n, "article") : "");
    return "Article";
  };
  /** A labelled <select> of ``values`` (named by ``names``); "" is the first, ``none``. */
  const select = (label, none, values, names) => {
    const box = el("label", "nsw-ctl", label);
    const sel = el("select");
    if (none) sel.append(attrs(el("option", null, none), {value: ""}));
    for (const v of values) sel.append(attrs(el("option", null, names[v] || v), {value: v}));
    box.append(sel);
    return [box, sel];
  };

  /** One widget: the search state, the requests, and an event hub its parts listen on. */
  class Widget {
    constructor(host) {
      const data = host.dataset;
      let endpoint = data.nswEndpoint || (SCRIPT && SCRIPT.dataset.nswEndpoint) || BASE;
      endpoint = new URL(endpoint, location.href).href;
      this.host = host;
      this.id = "nsw-" + ++count;
      this.endpoint = endpoint.endsWith("/") ? endpoint : endpoint + "/";
      this.perPage = Math.min(CONFIG.max_per_page, Math.max(1, parseInt(data.nswPerPage, 10) || CONFIG.per_page));
      this.kinds = (data.nswKinds || "").split(/[\s,]+/).filter((k) => KINDS.includes(k));
      this.apiKey = data.nswKey || "";
      this.target = data.nswTarget || "";
      this.history = data.nswHistory !== "off";
      this.fixed = {}; // controls the page set (data-nsw-sort, ...): hidden, not in the URL
      for (const k of KEYS.slice(1, 7)) if (data["nsw" + k[0].toUpperCase() + k.slice(1)]) this.fixed[k] = data["nsw" + k[0].toUpperCase() + k.slice(1)];
      this.handlers = {};
      this.seq = 0; // id of the latest request; replies to older ones are dropped
      this.timer = this.settleTimer = 0;
      this.active = -1;
      this.reset();
      this.build(data);
      addEventListener("popstate", () => this.fromUrl());
      this.fromUrl();
    }

    on(name, fn) {
      (this.handlers[name] = this.handlers[name] || []).push(fn);
    }

    /** Tell the parts, then the page (as a cancelable "nsw-" event); false if it was cancelled. */
    emit(name, detail) {
      for (const fn of this.handlers[name] || []) fn(detail);
      return this.host.dispatchEvent(new CustomEvent("nsw-" + name, {detail, bubbles: true, cancelable: true}));
    }

    reset() {
      this.s = {q: "", kind: "", sort: "", date: "", from: "", to: "", lang: "", group: "", ...this.fixed,
        author: new Set(), speaker: new Set()};
      this.page = 1;
      this.items = [];
      this.rows = [];
    }

    build(data) {
      const root = this.host.attachShadow({mode: "open"});
      if ("adoptedStyleSheets" in root && "replaceSync" in CSSStyleSheet.prototype) {
        if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
        root.adoptedStyleSheets = [sheet]; // not an inline style, so a strict page CSP allows it
      } else {
        root.append(el("style", null, CSS));
      }
      const box = (this.box = attrs(el("div", "nsw-root"), {role: "search"}));
      const input = (this.input = attrs(el("input", "nsw-input"), {
        id: this.id + "-q", type: "search", role: "combobox", autocomplete: "off",
        spellcheck: "false", "aria-autocomplete": "list", "aria-expanded": "false",
        "aria-controls": this.id + "-list", placeholder: data.nswPlaceholder || "Search\u2026",
      }));
      const label = attrs(el("label", "nsw-vh", data.nswLabel || "Search"), {for: input.id});
      const field = el("div", "nsw-field");
      const x = attrs(button("nsw-clear", "\u00d7"), {"aria-label": "Clear search"});
      x.hidden = true;
      x.addEventListener("click", () => {
        this.clear();
        this.toUrl(true);
        input.focus();
      });
      field.append(input, x);
      const body = el("div", "nsw-body");
      const main = el("div", "nsw-main");
      const facets = this.facets();
      body.append(main, facets);
      main.append(this.results(), this.more());
      box.append(label, field, this.bar(facets), this.status(), this.popular(), body);
      root.append(box);

      input.addEventListener("input", () => {
        x.hidden = !input.value;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.search(false), DEBOUNCE_MS);
      });
      input.addEventListener("keydown", (e) => this.key(e));
      this.on("clear", () => (x.hidden = !input.value));
      this.on("results", () => (x.hidden = !input.value));
    }

    /** Type tabs with counts, sort, date range, language, and (narrow) the filters' toggle. */
    bar(facets) {
      const bar = el("div", "nsw-bar");
      bar.hidden = true;
      const tabs = attrs(el("div", "nsw-tabs"), {role: "group", "aria-label": "Type"});
      const kinds = this.kinds.length ? this.kinds : KINDS;
      const tab = (kind, name) => {
        const b = attrs(button("nsw-tab", name), {"data-nsw-kind": kind, "aria-pressed": "false"});
        b.append(el("span", "nsw-count"));
        tabs.append(b);
        return b;
      };
      const all = [tab("", "All"), ...kinds.map((k) => tab(k, KIND_NAMES[k] || k))];
      tabs.hidden = this.fixed.kind || kinds.length < 2;
      tabs.addEventListener("click", (e) => {
        const b = e.target.closest("button");
        if (b) this.change({kind: b.dataset.nswKind});
      });
      const [sortBox, sort] = select("Sort", "", CONFIG.sorts, SORT_NAMES);
      sortBox.hidden = !!this.fixed.sort;
      sort.addEventListener("change", () => this.change({sort: sort.value}));
      const [dateBox, date] = select("Date", "Any time", [...Object.keys(CONFIG.dates), "custom"],
        {...DATE_NAMES, custom: "Custom range"});
      dateBox.hidden = !!(this.fixed.date || this.fixed.from || this.fixed.to);
      const range = el("span", "nsw-ctl");
      const from = attrs(el("input"), {type: "date", "aria-label": "From"});
      const to = attrs(el("input"), {type: "date", "aria-label": "To"});
      range.append(from, "\u2013", to);
      date.addEventListener("change", () => {
        range.hidden = date.value !== "custom";
        // a custom range searches once a date is given
        if (range.hidden) this.change({date: date.value, from: "", to: ""});
        else from.focus();
      });
      for (const input of [from, to]) input.addEventListener("change", () => this.change({date: "custom", from: from.value, to: to.value}));
      const langs = CONFIG.langs || [];
      const [langBox, lang] = select("Language", "All languages", langs,
        Object.fromEntries(langs.map((l) => [l, (Intl.DisplayNames ? new Intl.DisplayNames(undefined, {type: "language"}).of(l) : l) || l])));
      langBox.hidden = langs.length < 2 || !!this.fixed.lang;
      lang.addEventListener("change", () => this.change({lang: lang.value}));
      const toggle = attrs(button("nsw-toggle", "Filters"), {"aria-expanded": "false", "aria-controls": this.id + "-facets"});
      toggle.addEventListener("click", () => {
        const open = facets.classList.toggle("nsw-open");
        toggle.setAttribute("aria-expanded", String(open));
      });
      bar.append(tabs, sortBox, dateBox, range, langBox, toggle);
      this.on("results", ({data}) => {
        const s = this.s;
        bar.hidden = false;
        const counts = {};
        for (const v of (data.facets || {}).kind || []) counts[v.value] = v.count;
        for (const b of all) {
          const k = b.dataset.nswKind;
          b.setAttribute("aria-pressed", String(k === s.kind));
          b.lastChild.textContent = k ? counts[k] || 0 : kinds.reduce((n, k) => n + (counts[k] || 0), 0);
        }
        sort.value = s.sort || (s.q ? "relevance" : "-date");
        date.value = s.date || (s.from || s.to ? "custom" : "");
        range.hidden = date.value !== "custom";
        from.value = /^\d{4}$/.test(s.from) ? s.from + "-01-01" : s.from;
        to.value = /^\d{4}$/.test(s.to) ? s.to + "-12-31" : s.to;
        lang.value = s.lang;
      });
      this.on("clear", () => (bar.hidden = true));
      return bar;
    }

    /** The live region with the result count, "did you mean", what to try when nothing was
     *  found, and the error message. */
    /** Popular searches (GET /popular, from the service's analytics), offered while the
     *  box is focused empty: one request a page, nothing shown when the service has none. */
    popular() {
      const box = attrs(el("div", "nsw-popular"), {role: "group", "aria-labelledby": this.id + "-pop"});
      const list = el("ul", "nsw-values");
      box.append(attrs(el("p", "nsw-heading", "Popular searches"), {id: this.id + "-pop"}), list);
      box.hidden = true;
      let found = null;
      const show = (want) => {
        if (!want) return (box.hidden = true);
        const url = new URL("popular?limit=" + POPULAR, this.endpoint);
        if (this.apiKey) url.searchParams.set("key", this.apiKey);
        found = found || fetch(url, {credentials: "omit"}).then((r) => (r.ok ? r.json() : null))
          .then((b) => (b && Array.isArray(b.queries) ? b.queries.filter((q) => typeof q === "string") : []))
          .catch(() => []);
        found.then((queries) => {
          if (!list.children.length) {
            for (const q of queries) {
              const li = el("li");
              li.append(attrs(button("nsw-link nsw-pop", q), {"data-nsw-query": q}));
              list.append(li);
            }
          }
          box.hidden = !!this.input.value.trim() || !list.children.length;
        });
      };
      this.input.addEventListener("focus", () => show(!this.input.value.trim() && !this.items.length));
      this.input.addEventListener("input", () => show(!this.input.value.trim()));
      for (const name of ["results", "error"]) this.on(name, () => show(false));
      this.on("clear", () => show(this.host.shadowRoot.activeElement === this.input));
      box.addEventListener("click", (e) => {
        const b = e.target.closest("button");
        if (!b) return;
        this.input.value = b.dataset.nswQuery;
        this.input.focus();
        this.search(true);
      });
      return box;
    }

    status() {
      const wrap = el("div");
      const summary = attrs(el("p", "nsw-status"), {role: "status", "aria-live": "polite", "aria-atomic": "true"});
      const dym = attrs(el("p", "nsw-dym"), {"aria-live": "polite"});
      const without = el("p", "nsw-without");
      const none = el("div", "nsw-none");
      const back = button("nsw-link nsw-back", "Back to all results");
      const error = attrs(el("p", "nsw-error"), {role: "alert"});
      back.addEventListener("click", () => this.change({group: ""}));
      const hide = () => (dym.hidden = without.hidden = none.hidden = back.hidden = error.hidden = true);
      hide();
      wrap.append(summary, back, without, dym, none, error);
      const offer = (title, choices) => {
        if (!choices.length) return;
        const p = el("p", null, title + " ");
        for (const [text, fn] of choices) {
          const b = button("nsw-link", text);
          b.addEventListener("click", fn);
          p.append(b);
        }
        none.append(p);
      };
      this.on("results", ({data}) => {
        const n = this.items.length;
        const total = data.total;
        hide();
        summary.textContent = this.s.group ? `${plural(total, "version")} of this story`
          : !total ? `No results for \u201c${this.s.q}\u201d`
          : n < total ? `Showing ${n} of ${total} results` : plural(total, "result");
        back.hidden = !this.s.group;
        dym.textContent = "";
        dym.hidden = !data.suggestion;
        // Matching was relaxed: say which words the best results do without.
        const dropped = Array.isArray(data.not_required) ? data.not_required : [];
        without.hidden = !total || !dropped.length;
        without.textContent = without.hidden ? "" : "Showing results without: " + dropped.join(", ");
        if (data.suggestion) {
          const fix = button("nsw-link nsw-suggestion", data.suggestion);
          fix.addEventListener("click", () => {
            this.input.value = data.suggestion;
            this.input.focus();
            this.search(true);
          });
          dym.append("Did you mean ", fix, "?");
        }
        none.textContent = "";
        if (total) return;
        none.hidden = false;
        offer("Try without:", (data.try_without || []).map((t) => [`${t.param === "word" ? "\u201c" + t.value + "\u201d"
          : t.param === "date" ? "the dates" : (FILTER_NAMES[t.param] || t.param) + ": " + t.value} (${t.total})`,
          () => this.drop(t.param, t.value)]));
        offer("Popular searches:", (data.popular || []).map((q) => [q, () => {
          this.input.value = q;
          this.search(true);
        }]));
      });
      this.on("error", (message) => {
        summary.textContent = "";
        hide();
        error.textContent = message;
        error.hidden = false;
      });
      this.on("clear", () => {
        summary.textContent = "";
        hide();
      });
      return wrap;
    }

    /** The listbox of results; the input's aria-activedescendant points at the active one. */
    results() {
      const list = (this.list = attrs(el("ul", "nsw-list"), {
        id: this.id + "-list", role: "listbox", "aria-label": "Search results",
      }));
      const empty = () => {
        this.activate(-1);
        list.removeAttribute("aria-busy");
        list.textContent = "";
        this.input.setAttribute("aria-expanded", "false");
      };
      this.on("loading", () => list.setAttribute("aria-busy", "true"));
      this.on("results", ({data, append}) => {
        if (!append) empty();
        list.removeAttribute("aria-busy");
        const start = this.items.length - data.results.length;
        data.results.forEach((r, i) => {
          list.append(this.option({r, pos: start + i}));
          const copies = Number.isInteger(r.copies) ? r.copies : 0; // near-duplicates folded under it
          if (copies > 0 && r.group && !this.s.group) list.append(this.option({group: r.group, copies}));
        });
        this.input.setAttribute("aria-expanded", String(list.children.length > 0));
      });
      this.on("error", empty);
      this.on("clear", empty);
      list.addEventListener("click", (e) => {
        const li = e.target.closest("li[role=option]");
        if (!li) return;
        const row = this.rows[+li.dataset.nswIndex];
        if (row.r && (e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey)) return this.report(row.pos);
        e.preventDefault();
        this.activate(+li.dataset.nswIndex);
        this.open(+li.dataset.nswIndex);
      });
      return list;
    }

    /** One option: a result (an article with its matching quotes, a quote, a bio), or the
     *  row that opens a result's folded copies. */
    option(row) {
      const i = this.rows.push(row) - 1;
      const li = attrs(el("li", "nsw-result"), {
        id: `${this.id}-opt-${i}`, role: "option", "aria-selected": "false", "data-nsw-index": i,
      });
      if (row.group) {
        li.className = "nsw-versions";
        li.textContent = plural(row.copies, "more version");
        return li;
      }
      const r = row.r;
      if (typeof r.lang === "string" && r.lang) li.lang = r.lang;
      // The option itself opens the result (click, Enter): a link inside an option would be
      // an interactive element nested in another, which screen readers cannot reach.
      const kind = KINDS.includes(r.kind) ? r.kind : "article";
      const title = el("span", "nsw-title");
      if (kind === "quote") quoted(title, r.snippet || r.text);
      else title.textContent = r.title || r.url || "Untitled";
      if (link(r.url)) li.classList.add("nsw-linked");
      const meta = el("div", "nsw-meta");
      meta.append(el("span", "nsw-badge nsw-badge-" + kind, badge(r)));
      if (r.author && kind === "article") meta.append(el("span", "nsw-author", r.author));
      if (r.date) meta.append(attrs(el("time", "nsw-date", day(r.date)), {datetime: r.date}));
      li.append(title, meta);
      if (kind === "quote") {
        li.append(el("p", "nsw-from", "from: " + (r.article_title || r.title || "")));
      } else {
        const text = el("p", "nsw-snippet");
        text.append(snippet(r.snippet || ""));
        li.append(text);
      }
      const quotes = Array.isArray(r.quotes) ? r.quotes : []; // its own quotes that matched too
      if (quotes.length) {
        const ul = el("ul", "nsw-quotes");
        for (const q of quotes) {
          const item = el("li");
          quoted(item, q.snippet);
          if (q.speaker) item.append(" \u2014 " + who(q));
          ul.append(item);
        }
        li.append(ul);
      }
      return li;
    }

    more() {
      const more = button("nsw-link nsw-more", "More results");
      more.hidden = true;
      more.addEventListener("click", () => {
        this.page += 1;
        this.request(true);
      });
      this.on("results", ({data}) => {
        more.hidden = this.items.length >= data.total || !data.results.length;
      });
      this.on("error", () => (more.hidden = true));
      this.on("clear", () => (more.hidden = true));
      return more;
    }

    /** Author, speaker and date filters: toggle buttons with counts; several authors or
     *  speakers, a range of years. The speaker group shows when quotes are searched. On a
     *  narrow page they are a panel above the results, opened with the Filters button. */
    facets() {
      const box = attrs(el("div", "nsw-facets"), {id: this.id + "-facets"});
      const group = (key, title, values, pressed) => {
        if (!values.length) return;
        const g = attrs(el("div", "nsw-group"), {role: "group", "aria-labelledby": `${this.id}-${key}`});
        const ul = el("ul", "nsw-values");
        for (const v of values) {
          const b = attrs(button("nsw-facet"), {"aria-pressed": String(pressed(v.value)), ["data-nsw-" + key]: v.value});
          b.append(el("span", "nsw-value", v.value), el("span", "nsw-count", v.count));
          const li = el("li");
          li.append(b);
          ul.append(li);
        }
        g.append(attrs(el("p", "nsw-heading", title), {id: `${this.id}-${key}`}), ul);
        box.append(g);
      };
      this.on("results", ({data}) => {
        const f = data.facets || {};
        const s = this.s;
        const focused = this.host.shadowRoot.activeElement;
        const was = focused && focused.matches(".nsw-facet")
          ? [focused.dataset.nswAuthor, focused.dataset.nswDate, focused.dataset.nswSpeaker] : null;
        box.textContent = "";
        const authors = (f.author || []).filter((v, i) => i < MAX_AUTHORS || s.author.has(v.value));
        group("author", "Author", authors, (a) => s.author.has(a));
        const kinds = s.kind ? [s.kind] : this.kinds;
        if (!kinds.length || kinds.includes("quote")) {
          const speakers = (f.speaker || []).filter((v, i) => i < MAX_AUTHORS || s.speaker.has(v.value));
          group("speaker", "Speaker", speakers, (v) => s.speaker.has(v));
        }
        const years = (f.date || []).filter((v) => /^\d{4}$/.test(v.value));
        const [lo, hi] = this.span();
        if (!this.fixed.from && !this.fixed.to && !this.fixed.date) group("date", "Date", years, (y) => lo !== null && +y >= lo && +y <= hi);
        // The buttons were rebuilt: keep keyboard focus on the one just pressed.
        for (const b of was ? box.querySelectorAll(".nsw-facet") : []) {
          const d = b.dataset;
          if (d.nswAuthor === was[0] && d.nswDate === was[1] && d.nswSpeaker === was[2]) b.focus();
        }
      });
      this.on("error", () => (box.textContent = ""));
      this.on("clear", () => (box.textContent = ""));
      box.addEventListener("click", (e) => {
        const b = e.target.closest("button");
        if (!b) return;
        const {nswAuthor: author, nswDate: year, nswSpeaker: speaker} = b.dataset;
        if (author != null || speaker != null) {
          const set = this.s[author != null ? "author" : "speaker"];
          const v = author != null ? author : speaker;
          if (!set.delete(v)) set.add(v);
          this.change({});
        } else {
          this.change(this.years(+year));
        }
      });
      return box;
    }

    /** The range of whole years chosen, as numbers ([null, null]: none). */
    span() {
      const {from, to} = this.s;
      return /^\d{4}$/.test(from) && /^\d{4}$/.test(to) ? [+from, +to] : [null, null];
    }

    /** Grow the year range to ``y``, shrink it from an end, or (inside it) narrow it to ``y``. */
    years(y) {
      let [from, to] = this.span();
      if (from === null || y < from || y > to) {
        from = from === null ? y : Math.min(from, y);
        to = to === null ? y : Math.max(to, y);
      } else if (from === to) {
        from = to = null;
      } else if (y === from) {
        from += 1;
      } else if (y === to) {
        to -= 1;
      } else {
        from = to = y;
      }
      return from === null ? {date: "", from: "", to: ""} : {date: "custom", from: String(from), to: String(to)};
    }

    /** Drop one filter or word the service said would find something. */
    drop(param, value) {
      const s = this.s;
      if (param === "word") {
        this.input.value = s.q.split(/\s+/).filter((w) => w !== value).join(" ");
        return this.search(true);
      }
      if (param === "author" || param === "speaker") {
        s[param].delete(value);
        return this.change({});
      }
      this.change(param === "date" ? {date: "", from: "", to: ""} : {[param]: ""});
    }

    /** Apply a reader's change of a control: a new first page, kept in the history. */
    change(values) {
      for (const k in values) if (!this.fixed[k]) this.s[k] = values[k];
      if (!("group" in values)) this.s.group = "";
      this.page = 1;
      if (!this.s.q && !this.s.group) return this.toUrl(true);
      this.pending = true; // push the URL and count the search once its results arrive
      this.request(false);
    }

    key(e) {
      if (e.isComposing) return;
      const n = this.list.children.length;
      if ((e.key === "ArrowDown" || e.key === "ArrowUp") && n) {
        e.preventDefault();
        this.activate(e.key === "ArrowDown" ? Math.min(this.active + 1, n - 1) : Math.max(this.active - 1, -1));
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (this.active >= 0) this.open(this.active);
        else if (this.input.value.trim() === this.s.q && !this.seqBusy) this.settle();
        else {
          this.pending = true;
          this.search(true);
        }
      } else if (e.key === "Escape") {
        e.preventDefault();
        this.clear();
      }
    }

    activate(i) {
      const options = this.list.children;
      if (options[this.active]) options[this.active].setAttribute("aria-selected", "false");
      this.active = i;
      const li = options[i];
      if (li) {
        li.setAttribute("aria-selected", "true");
        this.input.setAttribute("aria-activedescendant", li.id);
        li.scrollIntoView({block: "nearest"});
      } else {
        this.active = -1;
        this.input.removeAttribute("aria-activedescendant");
      }
    }

    open(i) {
      const row = this.rows[i];
      if (!row) return;
      if (row.group) return this.change({group: row.group});
      const result = this.items[row.pos];
      this.report(row.pos);
      this.toUrl(true); // back from the article comes back to these results
      const url = result && link(result.url);
      if (!url || !this.emit("open", {url, result})) return;
      if (this.target && this.target !== "_self") window.open(url, this.target, "noopener");
      else location.assign(url);
    }

    /** POST one analytics event (when the service records them): text/plain, so that no
     *  preflight is needed, and keepalive, so that it is sent even as the page unloads. */
    send(event) {
      if (typeof this.searchId !== "string") return;
      this.settled = this.searchId;
      fetch(new URL("events", this.endpoint), {method: "POST", body: JSON.stringify({search_id: this.searchId, ...event}),
        keepalive: true, credentials: "omit", headers: {"Content-Type": "text/plain"}}).catch(() => {});
    }

    /** Report the result chosen: the search's id and the result's id and position, nothing
     *  about the reader. A click also settles its search. */
    report(pos) {
      const result = this.items[pos];
      clearTimeout(this.settleTimer);
      if (result) this.send({id: String(result.id), position: pos + 1});
    }

    /** The reader settled on this search: keep it in the history and count it (once). */
    settle() {
      clearTimeout(this.settleTimer);
      this.toUrl(true);
      if (this.settled !== this.searchId) this.send({type: "search"});
    }

    /** Write the state into the page's URL (``push``: a new history entry). */
    toUrl(push) {
      if (!this.history) return;
      const url = new URL(location.href);
      const p = url.searchParams;
      for (const k of [...p.keys()]) if (k.startsWith("nsw-")) p.delete(k);
      for (const k of KEYS) if (this.s[k] && !this.fixed[k]) p.set("nsw-" + k, this.s[k]);
      for (const k of ["author", "speaker"]) for (const v of this.s[k]) p.append("nsw-" + k, v);
      if (url.href === location.href) return;
      history[push ? "pushState" : "replaceState"](history.state, "", url.href);
    }

    /** Show the search the page's URL holds (at start, and on back and forward). */
    fromUrl() {
      if (!this.history) return;
      const p = new URLSearchParams(location.search);
      clearTimeout(this.timer);
      this.reset();
      for (const k of KEYS) if (p.get("nsw-" + k) && !this.fixed[k]) this.s[k] = p.get("nsw-" + k);
      for (const k of ["author", "speaker"]) for (const v of p.getAll("nsw-" + k)) this.s[k].add(v);
      this.input.value = this.s.q;
      if (this.s.q || this.s.group) return this.request(false, true);
      this.seq += 1;
      this.emit("clear");
    }

    clear() {
      clearTimeout(this.timer);
      clearTimeout(this.settleTimer);
      this.seq += 1; // drop any reply still on its way
      this.input.value = "";
      this.reset();
      this.emit("clear");
    }

    /** Search for what the box says (``force``: even if it is what was last searched). */
    search(force) {
      clearTimeout(this.timer);
      const q = this.input.value.trim();
      if (!q) {
        this.clear();
        return this.toUrl(true);
      }
      if (q === this.s.q && !force) return;
      this.s.q = q;
      this.s.group = "";
      this.page = 1;
      this.request(false);
    }

    /** Ask the service (``append``: the next page; ``restored``: from the URL, not a new
     *  search, so it is not counted again). */
    async request(append, restored) {
      const id = ++this.seq;
      const s = this.s;
      clearTimeout(this.settleTimer);
      const url = new URL("search", this.endpoint);
      const p = url.searchParams;
      p.set("q", s.q);
      p.set("page", this.page);
      p.set("per_page", this.perPage);
      p.set("date_facet", "year");
      p.set("via", "widget");
      if (this.apiKey) p.set("key", this.apiKey);
      for (const k of s.kind ? [s.kind] : this.kinds) p.append("kind", k);
      for (const a of s.author) p.append("author", a);
      for (const v of s.speaker) p.append("speaker", v);
      for (const k of ["sort", "lang", "group"]) if (s[k]) p.set(k, s[k]);
      const days = CONFIG.dates[s.date];
      if (days) p.set("from", iso(new Date(Date.now() - days * 864e5)));
      else for (const k of ["from", "to"]) if (s[k]) p.set(k, s[k]);
      this.seqBusy = true;
      this.emit("loading", {append});
      let data = null;
      let error = DOWN;
      try {
        const signal = AbortSignal.timeout ? AbortSignal.timeout(TIMEOUT_MS) : undefined;
        const res = await fetch(url, {credentials: "omit", headers: {Accept: "application/json"}, signal});
        const body = await res.json().catch(() => null);
        if (res.ok && body && Array.isArray(body.results)) data = body;
        else if (res.status < 500 && body && body.error) error = "Search failed: " + body.error.message;
      } catch (e) {
        // Refused (CORS), unreachable or too slow: the message below says so, no exception.
      }
      if (id !== this.seq) return; // a newer request went out meanwhile: this reply is stale
      this.seqBusy = false;
      if (!data) {
        this.items = [];
        this.rows = [];
        s.q = ""; // typing the same words again retries
        this.emit("error", error);
        return;
      }
      if (!append) this.rows = [];
      this.items = append ? this.items.concat(data.results) : data.results;
      if (!append) {
        this.searchId = data.search_id; // clicks count against the first page
        if (restored) this.settled = this.searchId;
      }
      this.emit("results", {data, append});
      if (append || restored) return;
      if (this.pending) {
        this.pending = false;
        this.settle();
      } else {
        this.settleTimer = setTimeout(() => this.settle(), SETTLE_MS);
      }
    }
  }

  /** Start a widget on ``host`` (once); returns it. */
  const init = (host) => {
    if (!widgets.has(host)) widgets.set(host, new Widget(host));
    return widgets.get(host);
  };
  const start = () => document.querySelectorAll("[data-nsw-search]").forEach(init);
  window.nswSearch = {init};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
