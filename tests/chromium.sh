# chromium.sh - headless Chromium for tests that check an HTML page (sourced
# after lib.sh). Chromium is heavy and only these tests use it, so it is
# installed here (Debian package `chromium`) when missing rather than by
# scripts/install-deps.
#   chromium_ready             install when missing; fails the test if absent
#   chrome ARGS... URL         headless run with no network, sync or profile
#   chrome_dom FILE.html OUT   the DOM after parsing (--dump-dom)
#   chrome_shot FILE.html PNG  a 1200x2400 screenshot

chromium_ready() {
  if ! command -v chromium >/dev/null; then
    local sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq >/dev/null || true
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
      chromium >/dev/null || true
  fi
  command -v chromium >/dev/null
}

chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$TEST_TMP/chrome.XXXXXX")" "$@" 2>/dev/null
}

chrome_dom() { chrome --dump-dom "file://$(realpath "$1")" > "$2"; }

chrome_shot() { chrome --window-size=1200,2400 --screenshot="$(realpath -m "$2")" "file://$(realpath "$1")" >/dev/null; }
