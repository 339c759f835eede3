// The household letter's QR code opens /verify/#code=K7QX2-MP4RT: the code rides in the
// URL fragment, which browsers never send, so it is in no access log. A resident without
// an account passes through log-in, sign-up and the SMS code first; the fragment is
// kept in this tab's sessionStorage until the verification form takes it.
const KEY = "linli-household-code";
const match = /(?:^#|&)code=([A-Za-z0-9-]{1,40})/.exec(window.location.hash);
if (match) {
  sessionStorage.setItem(KEY, match[1]);
  history.replaceState(null, "", window.location.pathname + window.location.search);
}
const field = document.getElementById("verify-code");
const kept = sessionStorage.getItem(KEY);
if (field && kept) {
  if (!field.value) field.value = kept;
  sessionStorage.removeItem(KEY);
  document.getElementById("verify-name")?.focus();
}
