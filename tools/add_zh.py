"""Change cnnviz/locales/zh.json, keeping its order and layout: python tools/add_zh.py FILE.json

FILE holds {"English": "中文", ...}; an entry whose value is null is removed. A developer's tool; the app never
runs it (tests/test_i18n.py says which strings lack a translation and which entries are no longer used)."""

import json
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "cnnviz" / "locales" / "zh.json"

entries = json.loads(LOCALE.read_text(encoding="utf-8"))
for english, chinese in json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")).items():
    if chinese is None:
        entries.pop(english, None)
    else:
        entries[english] = chinese
LOCALE.write_text(json.dumps(entries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
