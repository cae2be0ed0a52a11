() => {
  // ←/→ and PageUp/PageDown (what presenter clickers send), Home/End: step the tour, the training timeline or the
  // token-mixing units of the open view, through hidden buttons. Keys typed into a field, or sent to a chart, stay
  // there. In lecture mode M shows the model map as a slide of its own (a place clicked there opens its view), and
  // Esc closes that map, or else leaves lecture mode. ? lists these keys on screen.
  // A lecture slide is one thin bar (#slide-bar: the image, the model, the block, the open view and where it is on
  // the map, the fallback in a few words) over the view's main figure, which ends at the bottom of the screen
  // wherever what is above it left it: the CSS guesses, this measures, on every change of the page and of the
  // window. Its selector lists are filled in by explorer/app/page.py.
  // The words are the page's language's (common.js: wordsOf), from the catalogues' page.* keys of every language.
  const lexicon = @@WORDS|page.@@;
  const t = wordsOf(lexicon);
  const figures = "@@|FIGURES| img@@";
  const charts = "@@|CHARTS| [data-testid=plotly]@@";
  const app = () => document.querySelector("gradio-app");
  const lecturing = () => app()?.classList.contains("presentation");
  const onMap = () => app()?.classList.contains("map-slide");
  const showMap = (on) => app()?.classList.toggle("map-slide", on);
  const leave = () => document.querySelector("#present input")?.click();  // the checkbox is folded away on a slide

  const bar = document.createElement("div");
  bar.id = "slide-bar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", t("page.bar"));
  (app() || document.body).append(bar);  // inside gradio-app, whose class says lecture mode
  const words = (selector, root = document) => root?.querySelector(selector)?.textContent.trim().replace(/\s+/g, " ") || "";
  let drawn = "";
  const drawBar = () => {  // read off the page itself: the map (hidden on a slide, still there), the tabs, the image
    const map = document.querySelector("#model-map");
    const here = map?.querySelector("[aria-current=true]");
    const place = !here ? "" : here.dataset.block !== undefined ? here.getAttribute("aria-label")
      : here.dataset.part ? words(".mm-label", here) : here.dataset.view ? here.textContent.trim() : t("page.model_itself");
    const marks = [];  // the map in miniature: its places in order, one mark per block, the open one lit
    for (const p of map?.querySelectorAll("[data-part]") ?? []) {
      // a stage is lit when it or the smaller place under it (patch drop, teach it) is open
      const lit = p.getAttribute("aria-current") === "true" || !!p.parentElement.querySelector("[data-view][aria-current=true]");
      if (p.dataset.part === "channel-mixing") marks[marks.length - 1].lit ||= lit;  // its block's mark
      else marks.push({block: p.dataset.part === "token-mixing", lit});
    }
    const strip = marks.map((m) => `<i class="${m.block ? "sb-b" : ""}${m.lit ? " sb-here" : ""}"></i>`).join("");
    const banner = document.querySelector("#banner");
    const why = banner?.textContent.trim().replace(/\s+/g, " ") || "";
    const picture = document.querySelector("#image img")?.src;
    const html = `<button type="button" class="sb-thumb" title="${escaped(t("page.another_image"))}">`
      + `${picture ? `<img src="${escaped(picture)}" alt="${escaped(t("page.the_image"))}">` : escaped(t("page.no_image"))}</button>`
      + `<span class="sb-model">${escaped(words(".mm-name", map))}</span>`
      + `<span class="sb-muted">${escaped(words(".mm-facts", map).split("·")[0])}</span>`
      + `<span>${escaped(t("page.block", {block: document.querySelector("#block input[type=number]")?.value}))}`
      + ` <span class="sb-muted">(0–${escaped((Number(map?.style.getPropertyValue("--depth")) || 1) - 1)})</span></span>`
      + `<span class="sb-view">${escaped(words("#views button[role=tab][aria-selected=true]"))}</span>`
      + (why ? `<span class="sb-fallback" title="${escaped(why)}">⚠ ${escaped(words("strong", banner) || why)}</span>` : "")
      + `<button type="button" class="sb-map" aria-pressed="${onMap()}" title="${escaped(t("page.map", {place}))}"`
      + ` aria-label="${escaped(t("page.map", {place}))}"><span class="sb-strip">${strip}</span>${escaped(t("page.map_key"))}</button>`
      + `<button type="button" class="sb-keys" aria-label="${escaped(t("page.keys_button"))}" title="${escaped(t("page.keys_button"))}">?</button>`
      + `<button type="button" class="sb-exit" aria-label="${escaped(t("page.leave"))}" title="${escaped(t("page.leave"))}">Esc ✕</button>`;
    if (html !== drawn) { bar.innerHTML = html; drawn = html; }
  };
  bar.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (button?.classList.contains("sb-map")) showMap(!onMap());
    else if (button?.classList.contains("sb-exit")) leave();
    else if (button?.classList.contains("sb-keys")) showKeys(true);
    else if (button?.classList.contains("sb-thumb")) document.querySelector("#image input[type=file]")?.click();
  });
  // a place clicked on the map's slide opens its view (model_map.js tells the server): the slide goes back to it
  document.addEventListener("click", (event) => {
    if (onMap() && event.target.closest("#model-map [data-part], #model-map [data-view], #model-map [data-map-title]")) showMap(false);
  });

  let fitted = false;  // sizes were set in lecture mode: undo them when it ends
  const fit = () => {
    const lecture = lecturing();
    if (lecture) drawBar();
    else if (onMap()) showMap(false);
    if (!lecture && !fitted) return;
    fitted = lecture;
    // a wide step of the tour spans the slide with its words under it; a square one keeps them beside it
    const step = document.querySelector("#tour-image img"), tour = document.querySelector("#tour-slide");
    const shape = lecture && step?.naturalWidth > 1.5 * (step?.naturalHeight - @@LABEL_MARGIN@@) ? "wide" : "";
    if (tour && (tour.dataset.shape || "") !== shape) tour.dataset.shape = shape;
    const under = (element) => (element.closest("#tour-slide[data-shape=wide]")
      ? document.querySelector("#tour-text").getBoundingClientRect().height + 8 : 0);
    const room = (element, least) => Math.max(least,
      Math.floor(innerHeight - element.getBoundingClientRect().top - scrollY - 12 - under(element)));
    // a drawn figure: as large as the room under it and its column allow, its white rows for the (hidden) label
    // badge clipped off the top (explorer.app.views.shown)
    const margin = @@LABEL_MARGIN@@;
    for (const img of document.querySelectorAll(figures)) {
      let width = "", height = "", clip = "";
      if (lecture && img.offsetParent && img.naturalHeight > margin) {
        const across = img.closest(".block")?.clientWidth || innerWidth;
        const down = room(img.parentElement, 200);
        const scale = Math.min(across / img.naturalWidth, down / (img.naturalHeight - margin));
        [width, height] = [`${Math.floor(img.naturalWidth * scale)}px`, `${Math.floor(img.naturalHeight * scale)}px`];
        clip = `${-Math.floor(margin * scale)}px`;
      }
      if (img.style.width !== width) img.style.width = width;
      if (img.style.height !== height) img.style.height = height;
      if (img.style.marginTop !== clip) img.style.marginTop = clip;
    }
    let resized = false;
    for (const box of document.querySelectorAll(charts)) {  // a chart below the fold keeps a readable 340 px
      const height = lecture && box.offsetParent ? `${room(box, 340)}px` : "";
      if (box.style.height !== height) { box.style.height = height; resized = true; }
    }
    if (resized) dispatchEvent(new Event("resize"));  // Plotly (responsive) fills its new box
    // the map's slide: the map zoomed to the screen's width, or to its height if that binds first
    const mapBox = document.querySelector("#model-map-box"), map = mapBox?.querySelector("#model-map");
    if (mapBox && map) {
      const zoom = Number(mapBox.style.zoom) || 1, box = map.getBoundingClientRect();
      const wanted = lecture && onMap() && box.height > 0
        ? Math.min((innerWidth - 96) / (box.width / zoom), (innerHeight - box.top - 16) / (box.height / zoom)) : 1;
      if (Math.abs(wanted - zoom) > 0.01) mapBox.style.zoom = wanted === 1 ? "" : wanted.toFixed(3);
    }
  };
  let pending = false;
  const soon = () => {  // once per frame at most, and only around lecture mode: a normal page pays nothing
    if (pending || !(fitted || lecturing())) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; fit(); });
  };
  new MutationObserver(soon).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ["class", "style", "src", "hidden", "aria-current", "aria-selected", "value"]});
  addEventListener("resize", soon);
  addEventListener("input", soon);
  // a figure is fitted by its picture's size, known only once it has loaded (which changes no attribute): a slow
  // server's figure would otherwise keep its natural size until something else moved on the page
  document.addEventListener("load", (event) => { if (event.target.tagName === "IMG") soon(); }, true);
  // ? lists the keys on screen: a modal dialog over the page (Esc, ? or its button close it, a click beside it too),
  // which holds the focus while open and gives it back where it was
  let keys = null, before = null;
  const showKeys = (on) => {
    if (!on) {
      keys?.remove();
      keys = null;
      before?.focus?.();
      return;
    }
    if (keys) return;
    before = document.activeElement;
    const rows = [["← / →", "page.keys.arrows"], ["PageUp / PageDown", "page.keys.pages"], ["Home / End", "page.keys.ends"],
                  ["M", "page.keys.map"], ["Esc", "page.keys.escape"], ["?", "page.keys.help"]];
    keys = document.createElement("div");
    keys.id = "keys-dialog";
    keys.innerHTML = `<div class="keys-panel" role="dialog" aria-modal="true" aria-labelledby="keys-title">`
      + `<h2 id="keys-title">${escaped(t("page.keys.title"))}</h2><dl>`
      + rows.map(([names, key]) => `<dt>${names.split(" / ").map((name) => `<kbd>${escaped(name)}</kbd>`).join(" / ")}</dt>`
        + `<dd>${escaped(t(key))}</dd>`).join("")
      + `</dl><p>${escaped(t("page.keys.on_map"))}</p>`
      + `<button type="button" class="keys-close">${escaped(t("page.keys.close"))}</button></div>`;
    keys.addEventListener("click", (event) => {
      if (event.target === keys || event.target.closest(".keys-close")) showKeys(false);
    });
    (app() || document.body).append(keys);
    keys.querySelector(".keys-close").focus();
  };
  const actions = {ArrowRight: "next", PageDown: "next", ArrowLeft: "previous", PageUp: "previous", Home: "first", End: "last"};
  const steppable = ["#tour-text", "#snapshot", "#gallery", "#unit-page"];
  document.addEventListener("keydown", (event) => {
    if (keys) {  // the list of keys is open: it has the keyboard (its one button keeps the focus)
      if (event.key === "Escape" || event.key === "?") showKeys(false);
      else if (event.key === "Tab") keys.querySelector(".keys-close").focus();
      if (event.key !== "Enter" && event.key !== " ") event.preventDefault();
      return;
    }
    if (event.defaultPrevented || event.target.closest?.("input, textarea, select, [contenteditable=true], .js-plotly-plot")) return;
    if (event.key === "?" && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      showKeys(true);
      return;
    }
    if (event.key === "Escape" && lecturing() && !document.fullscreenElement) {
      if (onMap()) showMap(false);
      else leave();
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key.toLowerCase() === "m" && lecturing()) {
      event.preventDefault();
      showMap(!onMap());
      return;
    }
    const action = actions[event.key];
    if (!action || onMap()) return;
    if (!steppable.some((id) => document.querySelector(id)?.offsetParent)) return;  // the open view has no steps
    event.preventDefault();
    document.querySelector(`#key-${action}`)?.click();
  });
  if (new URLSearchParams(location.search).get("present") === "1") app()?.classList.add("presentation");
  // The page speaks what the server answers in (explorer.text.i18n.language_of): the address's `?lang=`, else the
  // browser's first language the app speaks, a region's by its language ("es-MX" → es, "zh-TW" → zh-CN). Gradio
  // picks its page's language from navigator.language once, by its own locales: `?lang=es` on an English browser,
  // or a zh-TW browser (Gradio has zh-TW, the app zh-CN: the labels would fall back to English), is set through
  // Gradio's own changeLocale (explorer.app.gradio_compat: GRADIO_CORE_MODULE)
  const spokenFor = (asked) => matching(asked, @@LANGUAGES@@);  // common.js
  const asked = new URLSearchParams(location.search).get("lang");
  const spoken = spokenFor(asked) || (navigator.languages || [navigator.language]).map(spokenFor).find(Boolean);
  const core = performance.getEntriesByType("resource").map((entry) => entry.name).find((name) => @@GRADIO_CORE_MODULE@@.test(name));
  const gradios = () => document.documentElement.lang.toLowerCase();
  if (spoken && core && (asked || gradios() !== spoken.toLowerCase())) {
    import(core).then((gradio) => gradio.changeLocale(spoken)).catch(() => {});
  }
  soon();
}
