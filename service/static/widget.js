/*! Newsroom search widget. A publisher pastes two lines:
 *     <script src="https://search.example/widget.js" defer></script>
 *     <div data-nsw-search data-nsw-per-page="5"></div>
 * Options (data attributes on the element): data-nsw-endpoint (API base URL; default: where
 * this script came from), data-nsw-key (a widget key from the service's admin: the sites,
 * kinds and languages this page searches), data-nsw-per-page, data-nsw-kinds ("article,quote"),
 * data-nsw-placeholder, data-nsw-label. Theme with CSS variables: --nsw-accent, --nsw-text,
 * --nsw-muted, --nsw-bg, --nsw-mark, --nsw-font, --nsw-max-width.
 * Events on the element: nsw-loading, nsw-results, nsw-error, nsw-clear and nsw-open
 * (cancelable; detail.url is about to be opened). When the service records analytics, the
 * result a reader opens is reported to it (the search's id, the result's id and position),
 * and its popular searches are offered while the box is empty and when nothing is found.
 *
 * Plain JavaScript, no framework, no build step. Everything the widget owns is prefixed
 * "nsw": classes, CSS variables, data attributes and events. It renders into a shadow root, so
 * the host page's CSS cannot reach it. Result fields are set as text; the snippet is the one
 * piece of HTML, and only its text and <mark> elements are kept.
 */
(() => {
  "use strict";
  const SCRIPT = document.currentScript; // only set while this file first runs
  const BASE = SCRIPT && SCRIPT.src ? new URL(".", SCRIPT.src).href : location.origin + "/";
  const KINDS = ["article", "bio", "quote"];
  const DEBOUNCE_MS = 300;
  const TIMEOUT_MS = 15000;
  const MAX_AUTHORS = 10;
  const POPULAR = 8; // popular searches offered
  const DOWN = "Search is unavailable right now. Please try again later.";
  const A = "var(--nsw-accent,#1a56db)";
  const MUTED = "var(--nsw-muted,#59636e)";
  const HOVER = "var(--nsw-hover,#f2f4f7)";
  const ACTIVE = "var(--nsw-active,#e8effd)";
  // :host !important beats the page's !important rules; all:initial stops inherited styles.
  const CSS = `:host{all:initial!important;display:block!important}
:host([hidden]){display:none!important}
*,::before,::after{box-sizing:border-box}
[hidden]{display:none!important}
.nsw-root{position:relative;max-width:var(--nsw-max-width,760px);text-align:left;
font:15px/1.45 var(--nsw-font,system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif);
color:var(--nsw-text,#1f2328)}
.nsw-vh{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;border:0;
overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.nsw-input{display:block;width:100%;margin:0;padding:10px 14px;font:inherit;font-size:16px;
color:inherit;background:var(--nsw-bg,#fff);border:1px solid #c4c9d0;border-radius:8px;
outline:0;appearance:none}
.nsw-input:focus{border-color:${A};box-shadow:0 0 0 3px rgba(26,86,219,.2)}
.nsw-status{margin:8px 2px 0;font-size:13px;color:${MUTED}}
.nsw-status:empty{display:none}
.nsw-error{margin:10px 0 0;padding:10px 12px;border:1px solid #f0b9b9;border-radius:8px;
background:#fdf0f0;color:#8a1c1c}
.nsw-dym,.nsw-without,.nsw-popular{margin:8px 2px 0}
.nsw-popular .nsw-values{display:flex;flex-wrap:wrap;gap:2px 14px}
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
.nsw-snippet{margin:0;font-size:14px;overflow-wrap:anywhere}
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
  const badge = (r) => {
    if (r.kind === "quote") {
      return "Quote" + (r.speaker ? " \u00b7 " + r.speaker + (r.speaker_role ? ", " + r.speaker_role : "") : "");
    }
    const n = r.article_count;
    if (r.kind === "bio") return "Bio" + (n ? ` \u00b7 ${n} article${n === 1 ? "" : "s"}` : "");
    return "Article";
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
      this.perPage = Math.min(50, Math.max(1, parseInt(data.nswPerPage, 10) || 10));
      this.kinds = (data.nswKinds || "").split(/[\s,]+/).filter((k) => KINDS.includes(k));
      this.apiKey = data.nswKey || "";
      this.handlers = {};
      this.seq = 0; // id of the latest request; replies to older ones are dropped
      this.timer = 0;
      this.active = -1;
      this.reset();
      this.build(data);
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
      this.q = "";
      this.authors = new Set();
      this.speakers = new Set(); // quote speakers
      this.from = this.to = null; // a range of years
      this.page = 1;
      this.items = [];
    }

    build(data) {
      const root = this.host.attachShadow({mode: "open"});
      if ("adoptedStyleSheets" in root && "replaceSync" in CSSStyleSheet.prototype) {
        if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
        root.adoptedStyleSheets = [sheet]; // not an inline style, so a strict page CSP allows it
      } else {
        root.append(el("style", null, CSS));
      }
      const box = attrs(el("div", "nsw-root"), {role: "search"});
      const input = (this.input = attrs(el("input", "nsw-input"), {
        id: this.id + "-q", type: "search", role: "combobox", autocomplete: "off",
        spellcheck: "false", "aria-autocomplete": "list", "aria-expanded": "false",
        "aria-controls": this.id + "-list", placeholder: data.nswPlaceholder || "Search\u2026",
      }));
      const label = attrs(el("label", "nsw-vh", data.nswLabel || "Search"), {for: input.id});
      const body = el("div", "nsw-body");
      const main = el("div", "nsw-main");
      body.append(main, this.facets());
      main.append(this.results(), this.more());
      box.append(label, input, this.status(), this.popular(), body);
      root.append(box);

      input.addEventListener("input", () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.search(false), DEBOUNCE_MS);
      });
      input.addEventListener("keydown", (e) => this.key(e));
    }

    /** The live region with the result count, "did you mean" and the error message. */
    status() {
      const wrap = el("div");
      const summary = attrs(el("p", "nsw-status"), {role: "status", "aria-live": "polite", "aria-atomic": "true"});
      const dym = attrs(el("p", "nsw-dym"), {"aria-live": "polite"});
      const without = el("p", "nsw-without");
      const error = attrs(el("p", "nsw-error"), {role: "alert"});
      dym.hidden = error.hidden = without.hidden = true;
      wrap.append(summary, without, dym, error);
      this.on("results", ({data}) => {
        const n = this.items.length;
        const total = data.total;
        summary.textContent = !total ? `No results for \u201c${this.q}\u201d`
          : n < total ? `Showing ${n} of ${total} results` : `${total} result${total === 1 ? "" : "s"}`;
        dym.textContent = "";
        dym.hidden = !data.suggestion;
        error.hidden = true;
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
      });
      this.on("error", (message) => {
        summary.textContent = "";
        dym.hidden = without.hidden = true;
        error.textContent = message;
        error.hidden = false;
      });
      this.on("clear", () => {
        summary.textContent = "";
        dym.hidden = error.hidden = without.hidden = true;
      });
      return wrap;
    }

    /** Popular searches (from the service's analytics): offered while the box is empty
     *  and when a search finds nothing; one request per page, and none if it has none. */
    popular() {
      const box = attrs(el("div", "nsw-popular"), {role: "group", "aria-labelledby": this.id + "-pop"});
      const list = el("ul", "nsw-values");
      box.append(attrs(el("p", "nsw-heading", "Popular searches"), {id: this.id + "-pop"}), list);
      box.hidden = true;
      let found = null;
      let wanted = false;
      const show = (want) => {
        wanted = want;
        if (!want) return (box.hidden = true);
        const url = new URL("popular?limit=" + POPULAR, this.endpoint);
        if (this.apiKey) url.searchParams.set("key", this.apiKey);
        found = found || fetch(url, {credentials: "omit"})
          .then((r) => (r.ok ? r.json() : null)).then((b) => (b && Array.isArray(b.queries) ? b.queries : []))
          .catch(() => []);
        found.then((queries) => {
          if (!list.children.length) {
            for (const q of queries.filter((q) => typeof q === "string")) {
              const li = el("li");
              li.append(attrs(button("nsw-link nsw-pop", q), {"data-nsw-query": q}));
              list.append(li);
            }
          }
          box.hidden = !wanted || !list.children.length;
        });
      };
      this.input.addEventListener("focus", () => show(!this.input.value.trim() && !this.items.length));
      this.input.addEventListener("input", () => this.input.value.trim() && show(false));
      this.on("clear", () => show(true));
      this.on("results", ({data}) => show(!data.total));
      this.on("error", () => show(false));
      box.addEventListener("click", (e) => {
        const b = e.target.closest("button");
        if (!b) return;
        this.input.value = b.dataset.nswQuery;
        this.input.focus();
        this.search(true);
      });
      return box;
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
        for (const r of data.results) list.append(this.option(r, list.children.length));
        this.input.setAttribute("aria-expanded", String(list.children.length > 0));
      });
      this.on("error", empty);
      this.on("clear", empty);
      list.addEventListener("click", (e) => {
        const li = e.target.closest("li");
        if (!li) return;
        if (e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return this.report(+li.dataset.nswIndex);
        e.preventDefault();
        this.activate(+li.dataset.nswIndex);
        this.open(+li.dataset.nswIndex);
      });
      return list;
    }

    option(r, i) {
      const li = attrs(el("li", "nsw-result"), {
        id: `${this.id}-opt-${i}`, role: "option", "aria-selected": "false", "data-nsw-index": i,
      });
      if (typeof r.lang === "string" && r.lang) li.lang = r.lang;
      // The option itself opens the result (click, Enter): a link inside an option would be
      // an interactive element nested in another, which screen readers cannot reach.
      const title = el("span", "nsw-title", r.title || r.url || "Untitled");
      if (link(r.url)) li.classList.add("nsw-linked");
      const kind = KINDS.includes(r.kind) ? r.kind : "article";
      const meta = el("div", "nsw-meta");
      meta.append(el("span", "nsw-badge nsw-badge-" + kind, badge(r)));
      if (r.author && kind !== "bio") meta.append(el("span", "nsw-author", r.author));
      if (r.date) meta.append(attrs(el("time", "nsw-date", day(r.date)), {datetime: r.date}));
      const copies = Number.isInteger(r.copies) ? r.copies : 0; // near-duplicates folded under it
      if (copies > 0) meta.append(el("span", "nsw-copies", `+${copies} similar cop${copies === 1 ? "y" : "ies"}`));
      const text = el("p", "nsw-snippet");
      text.append(snippet(r.snippet || ""));
      li.append(title, meta, text);
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
     *  speakers, a range of years. The speaker group shows when quotes are searched. */
    facets() {
      const box = el("div", "nsw-facets");
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
        const focused = this.host.shadowRoot.activeElement;
        const was = focused && focused.matches(".nsw-facet")
          ? [focused.dataset.nswAuthor, focused.dataset.nswDate, focused.dataset.nswSpeaker] : null;
        box.textContent = "";
        const authors = (f.author || []).filter((v, i) => i < MAX_AUTHORS || this.authors.has(v.value));
        group("author", "Author", authors, (a) => this.authors.has(a));
        if (!this.kinds.length || this.kinds.includes("quote")) {
          const speakers = (f.speaker || []).filter((v, i) => i < MAX_AUTHORS || this.speakers.has(v.value));
          group("speaker", "Speaker", speakers, (s) => this.speakers.has(s));
        }
        const years = (f.date || []).filter((v) => /^\d{4}$/.test(v.value));
        group("date", "Date", years, (y) => this.from !== null && +y >= this.from && +y <= this.to);
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
        if (author != null) {
          if (!this.authors.delete(author)) this.authors.add(author);
        } else if (speaker != null) {
          if (!this.speakers.delete(speaker)) this.speakers.add(speaker);
        } else {
          this.years(+year);
        }
        this.page = 1;
        this.request(false);
      });
      return box;
    }

    /** Grow the year range to ``y``, shrink it from an end, or (inside it) narrow it to ``y``. */
    years(y) {
      if (this.from === null || y < this.from || y > this.to) {
        this.from = this.from === null ? y : Math.min(this.from, y);
        this.to = this.to === null ? y : Math.max(this.to, y);
      } else if (this.from === this.to) {
        this.from = this.to = null;
      } else if (y === this.from) {
        this.from += 1;
      } else if (y === this.to) {
        this.to -= 1;
      } else {
        this.from = this.to = y;
      }
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
        else this.search(true);
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
      const result = this.items[i];
      this.report(i);
      const url = result && link(result.url);
      if (url && this.emit("open", {url, result})) location.assign(url);
    }

    /** Tell the service which result was chosen (when its analytics is on): the search's
     * id and the result's id and position, nothing about the reader; text/plain, so that
     * no preflight is needed, and keepalive, so that it is sent even as the page unloads. */
    report(i) {
      const result = this.items[i];
      if (!result || typeof this.searchId !== "string") return;
      const body = JSON.stringify({search_id: this.searchId, id: String(result.id), position: i + 1});
      fetch(new URL("events", this.endpoint), {method: "POST", body, keepalive: true,
        credentials: "omit", headers: {"Content-Type": "text/plain"}}).catch(() => {});
    }

    clear() {
      clearTimeout(this.timer);
      this.seq += 1; // drop any reply still on its way
      this.input.value = "";
      this.reset();
      this.emit("clear");
    }

    /** Search for what the box says (``force``: even if it is what was last searched). */
    search(force) {
      clearTimeout(this.timer);
      const q = this.input.value.trim();
      if (!q) return this.clear();
      if (q === this.q && !force) return;
      this.q = q;
      this.page = 1;
      this.request(false);
    }

    async request(append) {
      const id = ++this.seq;
      const url = new URL("search", this.endpoint);
      const p = url.searchParams;
      p.set("q", this.q);
      p.set("page", this.page);
      p.set("per_page", this.perPage);
      p.set("date_facet", "year");
      if (this.apiKey) p.set("key", this.apiKey);
      for (const k of this.kinds) p.append("kind", k);
      for (const a of this.authors) p.append("author", a);
      for (const s of this.speakers) p.append("speaker", s);
      if (this.from !== null) {
        p.set("from", this.from);
        p.set("to", this.to);
      }
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
      if (!data) {
        this.items = [];
        this.q = ""; // typing the same words again retries
        this.emit("error", error);
        return;
      }
      this.items = append ? this.items.concat(data.results) : data.results;
      if (!append) this.searchId = data.search_id; // clicks count against the first page
      this.emit("results", {data, append});
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
