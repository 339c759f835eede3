// The page's live module: the socket core and one module per feature (frontend/static/
// linli/live/). Each feature registers what its events change; then the socket starts.

import "./live/page.js";
import "./live/forum.js";
import "./live/notifications.js";
import "./live/outreach.js";
import "./live/ballot.js";
import { start } from "./live/socket.js";

start();
