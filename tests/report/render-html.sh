#!/bin/bash
# render-html.sh — render an HTML report in headless Chromium and check what a reader sees: the
# hostile HELO names as text (never as markup), every device row, both charts, no script element.
# Usage: render-html.sh HTML OUTDIR EXPECTED-ROWS [TEXT...]
#   Writes OUTDIR/screenshot.png (kept as a test artifact) and OUTDIR/dom.html (rendered DOM);
#   each TEXT must appear in the rendered page's text. Exit 0 pass, 1 fail.
set -euo pipefail

html=$1 out=$2 rows=$3
shift 3
command -v chromium >/dev/null || { echo "FAIL: chromium missing (scripts/install-deps.sh --test)" >&2; exit 1; }
[ -s "$html" ] || { echo "FAIL: no report at $html" >&2; exit 1; }
mkdir -p "$out"
profile=$(mktemp -d /tmp/mailtap-chromium.XXXXXX)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$profile"
       --window-size=1400,1000 --hide-scrollbars)
url="file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"

timeout 60 chromium "${flags[@]}" --screenshot="$out/screenshot.png" "$url" >/dev/null 2>"$out/chromium.err" ||
	{ cat "$out/chromium.err" >&2; echo "FAIL: chromium --screenshot failed" >&2; exit 1; }
timeout 60 chromium "${flags[@]}" --dump-dom "$url" >"$out/dom.html" 2>>"$out/chromium.err" ||
	{ cat "$out/chromium.err" >&2; echo "FAIL: chromium --dump-dom failed" >&2; exit 1; }

# The rendered text and structure, read with Python's HTML parser from Chromium's DOM.
python3 - "$out/dom.html" "$out/screenshot.png" "$rows" "$@" <<'PY'
import html.parser, sys
dom_path, png, rows, wanted = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]

class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.tags, self.skip = [], {}, 0
    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag in ("style", "title"):
            self.skip += 1
    def handle_endtag(self, tag):
        if tag in ("style", "title"):
            self.skip -= 1
    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)

p = Text()
p.feed(open(dom_path, encoding="utf-8").read())
text = "".join(p.text)
fail = []
if p.tags.get("script", 0):
    fail.append("the rendered page has %d script element(s)" % p.tags["script"])
if p.tags.get("svg", 0) != 2:
    fail.append("expected 2 inline SVG charts, found %d" % p.tags.get("svg", 0))
if p.tags.get("tr", 0) != rows + 1:
    fail.append("expected %d device rows, found %d" % (rows, p.tags.get("tr", 0) - 1))
for w in wanted:
    if w not in text:
        fail.append("rendered text lacks %r" % w)
with open(png, "rb") as f:
    head = f.read(8)
if head != b"\x89PNG\r\n\x1a\n":
    fail.append("no PNG screenshot")
for f in fail:
    print("FAIL:", f, file=sys.stderr)
if not fail:
    print("ok: rendered %d rows, %d characters of text; screenshot %s" % (rows, len(text), png))
sys.exit(1 if fail else 0)
PY
