// Starts Swagger UI on the /docs page (an external file: the CSP allows no inline script).
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    // The online validator badge would send the document to validator.swagger.io.
    validatorUrl: null,
  });
});
