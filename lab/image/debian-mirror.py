"""Print the Debian mirror this machine's apt already uses ("main") or its security archive.

Reads /etc/apt/sources.list and /etc/apt/sources.list.d/*.{list,sources} (one-line and deb822
formats) and prints the first URI whose suites include bookworm (or bookworm-security).
"""

import glob
import sys

want = "bookworm-security" if sys.argv[1:] == ["security"] else "bookworm"
files = ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*"))]
for path in files:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        continue
    if path.endswith(".sources"):
        for stanza in text.split("\n\n"):
            fields = {}
            for line in stanza.splitlines():
                if ":" in line and not line.startswith("#"):
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.split()
            if want in fields.get("suites", []) and fields.get("uris"):
                print(fields["uris"][0])
                sys.exit(0)
    else:
        for line in text.splitlines():
            parts = [p for p in line.split() if not p.startswith("[")]
            if len(parts) >= 3 and parts[0] == "deb" and parts[2] == want:
                print(parts[1])
                sys.exit(0)
sys.exit(1)
