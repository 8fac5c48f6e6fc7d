"""Remove the entries of cnnviz/locales/zh.json that no screen uses any more: python tools/prune_zh.py
(tests/test_i18n.py fails while there are any). A developer's tool, as tools/add_zh.py."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnnviz import i18n  # noqa: E402

LOCALE = ROOT / "cnnviz" / "locales" / "zh.json"
entries = json.loads(LOCALE.read_text(encoding="utf-8"))
used = i18n.all_strings()
unused = [english for english in entries if english not in used]
for english in unused:
    del entries[english]
LOCALE.write_text(json.dumps(entries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"removed {len(unused)} unused entries" + "".join(f"\n  {e[:100]}" for e in unused))
