() => {
  // What Gradio's own markup lacks for assistive technology, mended in the page (axe-core finds each one:
  // tests/test_accessibility.py), and the live region that says the answer. Each mend names what it works around.
  const words = @@WORDS|access.@@;  // {language: {key: text}}: the access.* keys of every catalogue
  const word = wordsOf(words);  // in the page's language (common.js)
  // a text that scrolls (a long caption on a small screen) must be reachable by keyboard to be read
  // (axe: scrollable-region-focusable); measured when the page is idle: reading every block's scroll size forces
  // a layout, which would otherwise slow the drawing of an answer
  const idle = window.requestIdleCallback ? (fn) => requestIdleCallback(fn, {timeout: 1000}) : (fn) => setTimeout(fn, 200);
  let measuring = false;
  const markScrollables = () => {
    measuring = false;
    for (const box of document.querySelectorAll(".block, .prose, .md")) {
      if (box.hasAttribute("tabindex") || box.scrollHeight <= box.clientHeight + 1 && box.scrollWidth <= box.clientWidth + 1) continue;
      const style = getComputedStyle(box);
      if (/(auto|scroll)/.test(style.overflowY + style.overflowX) && !box.querySelector("a, button, input, select, textarea, [tabindex]")) {
        box.setAttribute("tabindex", "0");
      }
    }
  };
  const mend = () => {
    pending = false;
    translateControls();
    // gr.Examples draws each example as a button holding only its picture, with no name (axe: button-name): the
    // button is named by the example's file name ("chelsea cat")
    for (const button of document.querySelectorAll("#examples button.gallery-item")) {  // again if the language changed
      const file = button.querySelector("img")?.getAttribute("src")?.split("/").pop()?.replace(/\.[a-z]+$/i, "");
      if (!file) continue;  // its picture not drawn yet: named on a later pass
      const named = words.en[`access.example.${file}`] ? word(`access.example.${file}`) : file.replace(/[-_]+/g, " ");
      const name = `${word("access.example")}: ${named}`;
      if (button.getAttribute("aria-label") !== name) button.setAttribute("aria-label", name);
    }
    // an empty component is a div with aria-label="Empty value" and no role, which ARIA forbids
    // (axe: aria-prohibited-attr): given the role of the picture it stands for
    for (const empty of document.querySelectorAll("div.empty[aria-label]:not([role])")) empty.setAttribute("role", "img");
    // the image being explained, shown by the image input, has no alt text of its own (gr.Image's alt_text is for
    // outputs)
    for (const img of document.querySelectorAll("#image img:not([alt]), #image img[alt='']")) img.alt = word("access.your_image");
    // a drawn picture opens full screen through a button holding the <img>: the button is named by the picture's
    // alt text; a picture not drawn yet (no alt) leaves the button nameless (axe: button-name)
    for (const button of document.querySelectorAll(".image-container button")) {
      const name = button.querySelector("img")?.getAttribute("alt") || button.getAttribute("aria-label") || word("access.picture");
      if (button.getAttribute("aria-label") !== name) button.setAttribute("aria-label", name);
    }
    if (!measuring) { measuring = true; idle(markScrollables); }
  };
  // Gradio and Plotly name their own controls in English whatever the page's language (Gradio's aria-labels and
  // Plotly's tool bar): said in the page's language from the access.gradio.* keys, whose English texts are theirs
  const english = {};  // Gradio's or Plotly's English text -> its key
  for (const [key, text] of Object.entries(words.en)) if (key.startsWith("access.gradio.")) english[text] = key;
  const patterns = Object.entries(english).filter(([text]) => text.includes("{label}")).map(([text, key]) =>
    [new RegExp("^" + text.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace("{label}", "(.+)") + "$"), key]);
  const said = (text) => {
    if (english[text]) return word(english[text]);
    for (const [pattern, key] of patterns) {
      const found = pattern.exec(text);
      if (found) return word(key, {label: found[1]});
    }
    return null;
  };
  const titles = @@VIEW_TITLES@@;  // {language: {English tab title: its title}}
  const translateControls = () => {
    if ((document.documentElement.lang || "en") === "en") return;
    // a tab bar drawn before `?lang=` switched the page's language keeps its English titles (Gradio translates
    // them once): said again in the page's language
    const ours = titles[document.documentElement.lang] || {};
    for (const tab of document.querySelectorAll("#views button[role=tab]")) {
      const text = tab.textContent.trim();
      if (ours[text] && ours[text] !== text) tab.textContent = ours[text];
    }
    for (const name of ["aria-label", "title", "data-title"]) {
      for (const element of document.querySelectorAll(`[${name}]`)) {
        const text = element.getAttribute(name), translated = said(text);
        if (translated && translated !== text) element.setAttribute(name, translated);
      }
    }
  };
  let pending = false;
  const soon = () => {
    if (!pending) { pending = true; requestAnimationFrame(mend); }
  };
  new MutationObserver(soon).observe(document.body, {childList: true, subtree: true, attributes: true,
    attributeFilter: ["src", "alt", "aria-label", "title", "data-title"]});
  new MutationObserver(soon).observe(document.documentElement, {attributes: true, attributeFilter: ["lang"]});
  // The answer heard: the top-1 and its probability, written by the server into #announce after an upload, an
  // example or a model change, read out politely by screen readers (the region must exist before it changes)
  const region = document.querySelector("#announce");
  if (region) { region.setAttribute("role", "status"); region.setAttribute("aria-live", "polite"); }
  mend();
}
