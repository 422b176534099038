// Starts GOV.UK Frontend's components (error summary focus, skip link, menu toggle...).
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
