"""Add translations to the Chinese catalogue and compile it, safely while others do too.

    python scripts/po_add.py translations.json

The JSON maps msgid to msgstr; a plural is {"msgid": "...", "plural": "...", "msgstr": "..."}
in a list under the key "_plurals". Entries already in the catalogue keep their text unless
it is empty. An exclusive lock makes concurrent runs queue instead of interleaving. After a
`makemessages` run the file references are added; this tool only needs the texts.
"""

from __future__ import annotations

import fcntl
import json
import re
import subprocess
import sys
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "locale/zh_Hans/LC_MESSAGES/django.po"
LOCK = Path("/tmp/linli-po.lock")


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def unquote(lines: list[str]) -> str:
    joined = "".join(json.loads(line) if line.startswith('"') else "" for line in lines)
    return joined


def entries(text: str) -> dict[str, tuple[int, int, str]]:
    """msgid -> (start, end, msgstr) of each singular entry (msgctxt-less)."""
    found: dict[str, tuple[int, int, str]] = {}
    pattern = re.compile(
        r'^msgid ((?:".*"\n)+)(?:msgid_plural (?:".*"\n)+)?msgstr(?:\[0\])? ((?:".*"\n?)+)',
        re.M,
    )
    for match in pattern.finditer(text):
        msgid = unquote(match.group(1).strip().split("\n"))
        msgstr = unquote(match.group(2).strip().split("\n"))
        found[msgid] = (match.start(), match.end(), msgstr)
    return found


def main() -> None:
    wanted = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    plurals = wanted.pop("_plurals", [])
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = CATALOGUE.read_text(encoding="utf-8")
        known = entries(text)
        added = []
        for msgid, msgstr in wanted.items():
            if msgid in known:
                start, end, current = known[msgid]
                if current or not msgstr:
                    continue
                block = text[start:end]
                text = (
                    text[:start]
                    + re.sub(r'msgstr ""\n?$', f"msgstr {quote(msgstr)}\n", block)
                    + text[end:]
                )
                known = entries(text)
                continue
            added.append(f"msgid {quote(msgid)}\nmsgstr {quote(msgstr)}\n")
        for item in plurals:
            if item["msgid"] in known:
                continue
            added.append(
                f"msgid {quote(item['msgid'])}\nmsgid_plural {quote(item['plural'])}\n"
                f"msgstr[0] {quote(item['msgstr'])}\n"
            )
        if added:
            text = text.rstrip("\n") + "\n\n" + "\n".join(added)
        CATALOGUE.write_text(text, encoding="utf-8")
        subprocess.run(
            ["msgfmt", "--check-format", "-o", str(CATALOGUE.with_suffix(".mo")), str(CATALOGUE)],
            check=True,
        )
    print(f"{len(added)} added; compiled {CATALOGUE.with_suffix('.mo').name}")


if __name__ == "__main__":
    main()
