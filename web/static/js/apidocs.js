// The API docs page (/api/docs): Swagger UI (vendor/swagger-ui, from npm) draws the OpenAPI document
// into #swagger-ui. No inline script: the CSP allows only this site's own files.
(function () {
  'use strict';
  var root = document.getElementById('swagger-ui');
  if (!root || typeof window.SwaggerUIBundle !== 'function') return;
  var csrf = root.getAttribute('data-csrf');
  window.SwaggerUIBundle({
    url: root.getAttribute('data-spec-url'),
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    // The title and introduction are the page's own (translated) heading and sections: Swagger UI's
    // info block (a second h1, in English) is left out.
    plugins: [function () {
      return {wrapComponents: {InfoContainer: function () { return function () { return null; }; }}};
    }],
    layout: 'BaseLayout',
    deepLinking: true,
    validatorUrl: null, // never ask validator.swagger.io
    docExpansion: 'none',
    defaultModelsExpandDepth: 0,
    // "Try it out" in a logged-in browser goes with the session cookie: a change then needs the CSRF
    // header too (a bearer token entered under "Authorize" needs none).
    requestInterceptor: function (req) {
      var method = (req.method || 'GET').toUpperCase();
      var bearer = req.headers && (req.headers.Authorization || req.headers.authorization);
      if (csrf && !bearer && ['GET', 'HEAD', 'OPTIONS'].indexOf(method) < 0) {
        req.headers['X-CSRFToken'] = csrf;
      }
      return req;
    }
  });
})();
