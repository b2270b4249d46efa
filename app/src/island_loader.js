// Portcullis' island loader, inlined into every page (with the page's CSP nonce) by
// `IslandLoader` in app.rs. A page without a <leptos-island> loads no JavaScript or WASM at
// all; a page with islands loads the bundle once and hydrates each island in document order.
// Islands take no children and are not nested (this loader does not wire <leptos-children>).
// Then <body data-hydrated="true"> tells tests, and curious people, that the live parts are live.
((jsUrl, wasmUrl) => {
  const islands = Array.from(document.querySelectorAll('leptos-island'));
  if (islands.length === 0) {
    return;
  }
  import(jsUrl)
    .then(async (bundle) => {
      await bundle.default({ module_or_path: wasmUrl });
      bundle.hydrate();
      for (const island of islands) {
        const hydrate = bundle[island.dataset.component];
        if (typeof hydrate !== 'function') {
          throw new Error(`the WASM bundle has no island ${island.dataset.component}`);
        }
        await hydrate(island);
      }
      document.body.dataset.hydrated = 'true';
    })
    .catch((error) => console.error('Portcullis: the page stays without its live parts:', error));
})
