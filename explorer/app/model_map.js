// The model map's behaviour, run by Gradio's gr.HTML once when the map is first drawn (js_on_load): `element` is
// the component's root, `props.value` the map's data (explorer.app.model_map), `trigger` sends an event to Python.
// The template redraws the map whenever its value changes (a new model, a new image, another open place) and marks
// the open place itself (value.open), so all this script does is answer a click on a place (a mouse's, or Enter or
// Space on a focused place: a button's own click): mark it open at once and tell Python which place it was, as the
// "click" event's data {part, block}; and move the focus along the blocks with the arrow keys.
element.addEventListener("click", (event) => {
  const place = event.target.closest("[data-part], [data-view], [data-map-title]");
  if (!place || !element.contains(place) || !props.value) return;
  // a smaller place under a stage (data-view: corruption lab, patch drop, teach it) opens its view as a place does; the map's
  // title stands for the model itself
  const part = place.dataset.part || place.dataset.view || "model";
  const block = place.dataset.block === undefined ? null : Number(place.dataset.block);
  props.value = { ...props.value, open: { part, block } };  // redraws the marks; Python reads it as the map's value
  trigger("click", { part, block });
});

// The strip of blocks is one Tab stop (a roving focus, as a toolbar's): ←/→ move along the blocks, ↑/↓ between the
// token-mixing and channel-mixing rows, Home/End to the first and last block. The key is used up here, so the
// page's own keys (page.js: ←/→ step the open view) leave it alone. The place focused keeps the Tab stop until the
// map is redrawn (the template then gives it to the open place).
element.addEventListener("keydown", (event) => {
  const cell = event.target.closest?.(".mm-cell");
  if (!cell || !element.contains(cell) || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const cells = [...element.querySelectorAll(".mm-cell")];
  const last = cells.length / 2 - 1, block = Number(cell.dataset.block), token = cell.dataset.part === "token-mixing";
  const moves = {ArrowRight: [block + 1, token], ArrowLeft: [block - 1, token], ArrowUp: [block, true],
                 ArrowDown: [block, false], Home: [0, token], End: [last, token]};
  if (!(event.key in moves)) return;
  event.preventDefault();
  const [to, row] = moves[event.key];
  const next = element.querySelector(
    `.mm-cell[data-block="${Math.min(Math.max(to, 0), last)}"][data-part="${row ? "token-mixing" : "channel-mixing"}"]`);
  if (!next) return;
  for (const other of cells) other.tabIndex = other === next ? 0 : -1;
  next.focus();
  next.scrollIntoView({block: "nearest", inline: "nearest"});  // a deep model's strip scrolls on a phone
});
