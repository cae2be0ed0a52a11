() => {
  // ←/→ and PageUp/PageDown (what presenter clickers send), Home/End: step the tour, the training timeline or the
  // token-mixing units of the open view, through hidden buttons. Keys typed into a field, or sent to a chart, stay
  // there. Esc leaves lecture mode.
  // In lecture mode each drawn figure and chart ends at the bottom of the screen, wherever what is above it (a
  // banner, a note of two lines, a view's controls) left it: the CSS guesses, this measures, on every change of
  // the page and of the window. Its selector lists are filled in by
  // explorer/app/page.py.
  const figures = "@@|FIGURES| img@@";
  const charts = "@@|CHARTS| [data-testid=plotly]@@";
  const lecturing = () => document.querySelector("gradio-app")?.classList.contains("presentation");
  let fitted = false;  // sizes were set in lecture mode: undo them when it ends
  const fit = () => {
    const lecture = lecturing();
    if (!lecture && !fitted) return;
    fitted = lecture;
    const room = (element, least) => lecture && element.offsetParent ? `${Math.max(least, Math.floor(innerHeight - element.getBoundingClientRect().top - scrollY - 16))}px` : "";
    for (const img of document.querySelectorAll(figures)) {
      const height = room(img, 200);
      if (img.style.maxHeight !== height) img.style.maxHeight = height;
    }
    let resized = false;
    for (const box of document.querySelectorAll(charts)) {  // a chart below the fold keeps a readable 340 px
      const height = room(box, 340);
      if (box.style.height !== height) { box.style.height = height; resized = true; }
    }
    if (resized) dispatchEvent(new Event("resize"));  // Plotly (responsive) fills its new box
  };
  let pending = false;
  const soon = () => {  // once per frame at most, and only around lecture mode: a normal page pays nothing
    if (pending || !(fitted || lecturing())) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; fit(); });
  };
  new MutationObserver(soon).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ["class", "style", "src", "hidden"]});
  addEventListener("resize", soon);
  const actions = {ArrowRight: "next", PageDown: "next", ArrowLeft: "previous", PageUp: "previous", Home: "first", End: "last"};
  const steppable = ["#tour-text", "#snapshot", "#gallery", "#unit-page"];
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.target.closest("input, textarea, select, [contenteditable=true], .js-plotly-plot")) return;
    if (event.key === "Escape" && lecturing() && !document.fullscreenElement) {  // the way back: the checkbox is folded away on a slide
      document.querySelector("#present input")?.click();
      return;
    }
    const action = actions[event.key];
    if (!action || event.altKey || event.ctrlKey || event.metaKey) return;
    if (!steppable.some((id) => document.querySelector(id)?.offsetParent)) return;  // the open view has no steps
    event.preventDefault();
    document.querySelector(`#key-${action}`)?.click();
  });
  if (new URLSearchParams(location.search).get("present") === "1") document.querySelector("gradio-app")?.classList.add("presentation");
}
