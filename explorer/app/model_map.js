// The model map's behaviour, run by Gradio's gr.HTML once when the map is first drawn (js_on_load): `element` is
// the component's root, `props.value` the map's data (explorer.app.model_map), `trigger` sends an event to Python.
// The template redraws the map whenever its value changes (a new model, a new image, another open place) and marks
// the open place itself (value.open), so all this script does is answer a click on a place: mark it open at once
// and tell Python which place it was, as the "click" event's data {part, block}.
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
