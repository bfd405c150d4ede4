import htmx from "htmx.org";
import "./autosave.js";
import "./form-errors.js";
import "./submit-once.js";
import "./tables.js";

window.htmx = htmx;
