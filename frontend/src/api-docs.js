// Starts Swagger UI on the API's docs page (/api/v1/docs). SwaggerUIBundle comes from swagger-ui-bundle.js,
// copied from npm's swagger-ui-dist by frontend/build.mjs and loaded just before this file (no CDN).
const root = document.getElementById("swagger-ui");
if (root && window.SwaggerUIBundle) {
  const SwaggerUIBundle = window.SwaggerUIBundle;
  SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    // "Try it out" sends the session's CSRF token, as the platform's own pages do.
    requestInterceptor: (request) => {
      if (root.dataset.csrfToken) request.headers["X-CSRFToken"] = root.dataset.csrfToken;
      return request;
    },
  });
}
