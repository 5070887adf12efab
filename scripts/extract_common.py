"""What the extract scripts share: writing a generated file, or checking
that the committed one is what the script makes (`--check`, in CI).
Python 3.11 standard library only."""
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_or_check(path, text, check, script):
    """Writes `text` to `path`; with `check`, only says whether the file
    already holds it, naming `script` (which writes it) when it does not."""
    name = os.path.relpath(path, REPO_ROOT)
    if check:
        try:
            with open(path, encoding="utf-8") as fh:
                current = fh.read()
        except FileNotFoundError:
            current = None
        if current != text:
            sys.stderr.write("%s is out of date; run python3 scripts/%s\n" % (name, script))
            return False
        return True
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    sys.stderr.write("wrote %s (%d bytes)\n" % (name, len(text.encode("utf-8"))))
    return True
