// Starts Swagger UI on the API's own OpenAPI document (its address is on the page, not in an inline script).
window.ui = SwaggerUIBundle({ url: document.body.dataset.openapi, dom_id: "#swagger-ui" });
