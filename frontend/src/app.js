import htmx from "htmx.org";
import "./form-errors.js";

window.htmx = htmx;
