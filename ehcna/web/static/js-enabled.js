// Marks the page as able to run GOV.UK Frontend, before it is drawn (a file, not inline: the CSP allows 'self' only).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
