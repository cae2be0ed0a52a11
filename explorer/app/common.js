  // What page.js, charts.js and access.js share: page.py writes this first into the one function the page runs,
  // so each of them sees these names (and none of them defines its own).
  // The page's language: Gradio keeps <html lang> at the page's locale (`?lang=` included); the catalogue of the
  // same tag, or else of the same language ("es-MX" speaks "es"), or else English.
  // The one of `tags` a BCP 47 tag asks for: the same tag, or else the same language; undefined when none.
  const matching = (tag, tags) => {
    const asked = (tag || "").toLowerCase();
    return tags.find((known) => known.toLowerCase() === asked)
      || tags.find((known) => asked && known.split("-")[0].toLowerCase() === asked.split("-")[0]);
  };
  const speaking = (lexicon) => matching(document.documentElement.lang, Object.keys(lexicon)) || "en";
  // A script's words (`lexicon`: {language: {key: text}}, its keys of every catalogue, filled in by page.py) as its
  // word(key, values): the text in the page's language, English where that language lacks it, its {names} filled in
  // from `values` (a name not given stays as it is).
  const wordsOf = (lexicon) => (key, values = {}) => (lexicon[speaking(lexicon)]?.[key] || lexicon.en[key])
    .replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  // a text written into HTML as text
  const escaped = (text) => String(text ?? "").replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
