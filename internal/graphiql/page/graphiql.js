// certgraph's GraphiQL page: starts GraphiQL against the endpoint named in the
// page's #graphiql element. A file of its own (not inline) so the page's
// Content-Security-Policy can allow scripts from this server only.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  if (typeof GraphiQL === 'undefined' || typeof React === 'undefined' || typeof ReactDOM === 'undefined') {
    root.textContent = 'GraphiQL could not load its scripts.';
    return;
  }
  var params = new URLSearchParams(window.location.search);
  // Only these are kept in the address bar; headers stay out of it (they carry tokens).
  var kept = { query: params.get('query'), variables: params.get('variables'), operationName: params.get('operationName') };
  function keep(key) {
    return function (value) {
      kept[key] = value;
      var next = new URLSearchParams();
      Object.keys(kept).forEach(function (k) { if (kept[k]) next.set(k, kept[k]); });
      var search = next.toString();
      history.replaceState(null, '', search ? '?' + search : window.location.pathname);
    };
  }
  var headers = params.get('headers');
  var fetcher = GraphiQL.createFetcher({ url: new URL(root.dataset.endpoint, window.location.href).toString() });
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: root.dataset.defaultQuery || undefined,
    query: kept.query || undefined,
    variables: kept.variables || undefined,
    operationName: kept.operationName || undefined,
    headers: headers || undefined,
    isHeadersEditorEnabled: true,
    // Editors, tabs and headers (the token, entered once) live in this tab's
    // sessionStorage: gone when the tab closes, never shared with other tabs or
    // written to localStorage.
    storage: window.sessionStorage,
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: kept.variables && !headers ? 'variables' : 'headers',
    onEditQuery: keep('query'),
    onEditVariables: keep('variables'),
    onEditOperationName: keep('operationName')
  }));
})();
