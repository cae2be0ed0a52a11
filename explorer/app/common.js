  // What page.js, charts.js and access.js share: page.py writes this first into the one function the page runs,
  // so each of them sees these names (and none of them defines its own).
  // The page's language: Gradio keeps <html lang> at the page's locale (`?lang=` included); the catalogue of the
  // same tag, or else of the same language ("es-MX" speaks "es"), or else English.
  const speaking = (lexicon) => {
    const tag = (document.documentElement.lang || "").toLowerCase(), tags = Object.keys(lexicon);
    return tags.find((known) => known.toLowerCase() === tag)
      || tags.find((known) => known.split("-")[0].toLowerCase() === tag.split("-")[0]) || "en";
  };
  // A script's words (`lexicon`: {language: {key: text}}, its keys of every catalogue, filled in by page.py) as its
  // word(key, values): the text in the page's language, English where that language lacks it, its {names} filled in
  // from `values` (a name not given stays as it is).
  const wordsOf = (lexicon) => (key, values = {}) => (lexicon[speaking(lexicon)]?.[key] || lexicon.en[key])
    .replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  // a text written into HTML as text
  const escaped = (text) => String(text ?? "").replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
