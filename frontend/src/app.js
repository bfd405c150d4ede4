import htmx from "htmx.org";
import "./form-errors.js";
import "./submit-once.js";

window.htmx = htmx;
