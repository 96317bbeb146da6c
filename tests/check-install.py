#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What `meson install` puts on a system: exactly the expected files, each valid.

Installs the build tree into a temporary DESTDIR (meson skips the post-install
steps then, so no gschemas.compiled or icon cache appears), compares the file
list with the one Sluice must ship, and validates what was installed the way a
distribution or a software centre would.  Exit 77 (skip) only when a
validation tool is not installed.
"""

import argparse
import gettext
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}")


def run(argv, what):
    result = subprocess.run(argv, capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        fail(f"{what}: exit {result.returncode}\n{output}")
    else:
        print(f"ok: {what}")
        if output:
            print("    " + output.replace("\n", "\n    "))
    return result


def read_linguas(path):
    langs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            langs += line.split("#", 1)[0].split()
    return langs


def strip_root(path):
    # DESTDIR + /usr/local/share → DESTDIR/usr/local/share
    return path.lstrip("/")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--app-id", required=True)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--gettext-package", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--datadir", required=True)
    ap.add_argument("--localedir", required=True)
    args = ap.parse_args()

    tools = ["meson", "desktop-file-validate", "appstreamcli", "glib-compile-schemas"]
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        print(f"SKIP: not installed: {' '.join(missing)} (build-aux/dev deps installs them)")
        return 77

    app_id, binary = args.app_id, args.binary
    langs = read_linguas(os.path.join(args.source_dir, "po", "LINGUAS"))

    def under_prefix(d):
        return d if os.path.isabs(d) else os.path.join(args.prefix, d)

    bindir = under_prefix(args.bindir)
    datadir = under_prefix(args.datadir)
    localedir = under_prefix(args.localedir)

    expected = {
        "binary": os.path.join(bindir, binary),
        "desktop": os.path.join(datadir, "applications", f"{app_id}.desktop"),
        "metainfo": os.path.join(datadir, "metainfo", f"{app_id}.metainfo.xml"),
        "schema": os.path.join(datadir, "glib-2.0", "schemas", f"{app_id}.gschema.xml"),
        "icon": os.path.join(datadir, "icons", "hicolor", "scalable", "apps", f"{app_id}.svg"),
        "symbolic": os.path.join(datadir, "icons", "hicolor", "symbolic", "apps",
                                 f"{app_id}-symbolic.svg"),
    }
    for lang in langs:
        expected[f"mo:{lang}"] = os.path.join(localedir, lang, "LC_MESSAGES",
                                              f"{args.gettext_package}.mo")

    with tempfile.TemporaryDirectory(prefix="sluice-install-") as destdir:
        result = subprocess.run(
            ["meson", "install", "-C", args.build_dir, "--destdir", destdir,
             "--no-rebuild", "--quiet"],
            capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout + result.stderr)
            fail("meson install failed")
            return 1

        installed = set()
        for root, dirs, files in os.walk(destdir):
            for name in files:
                installed.add("/" + os.path.relpath(os.path.join(root, name), destdir))
            for name in dirs:
                full = os.path.join(root, name)
                if os.path.islink(full):
                    installed.add("/" + os.path.relpath(full, destdir))

        print(f"Installed into DESTDIR (prefix {args.prefix}):")
        for path in sorted(installed):
            print(f"  {path}")

        want = set(expected.values())
        for path in sorted(want - installed):
            fail(f"not installed: {path}")
        for path in sorted(installed - want):
            fail(f"installed but not expected: {path}")

        def dest(key):
            return os.path.join(destdir, strip_root(expected[key]))

        if failures:
            return 1

        # The files themselves.
        if not os.access(dest("binary"), os.X_OK):
            fail(f"{expected['binary']} is not executable")
        run(["desktop-file-validate", dest("desktop")], "desktop-file-validate")
        run(["appstreamcli", "validate", "--no-net", "--explain", dest("metainfo")],
            "appstreamcli validate --no-net")
        run(["glib-compile-schemas", "--strict", "--dry-run", os.path.dirname(dest("schema"))],
            "glib-compile-schemas --strict --dry-run")

        # The desktop file names the installed icon and binary.
        entries = {}
        with open(dest("desktop"), encoding="utf-8") as f:
            section = None
            for line in f:
                line = line.strip()
                if line.startswith("["):
                    section = line
                elif section == "[Desktop Entry]" and "=" in line and not line.startswith("#"):
                    key, value = line.split("=", 1)
                    entries[key] = value
        if entries.get("Icon") != app_id:
            fail(f"desktop Icon={entries.get('Icon')!r}, installed icon is {app_id}")
        exec_words = entries.get("Exec", "").split()
        if not exec_words or exec_words[0] != binary:
            fail(f"desktop Exec={entries.get('Exec')!r} does not start with {binary}")
        else:
            print(f"ok: desktop Icon={entries['Icon']}, Exec={entries['Exec']}")

        # The metainfo names the installed desktop file, id and binary.
        tree = ET.parse(dest("metainfo")).getroot()
        cid = tree.findtext("id")
        launchable = tree.find("launchable[@type='desktop-id']")
        binaries = [b.text for b in tree.findall("provides/binary")]
        if cid != app_id:
            fail(f"metainfo <id> {cid!r} is not {app_id}")
        if launchable is None or launchable.text != os.path.basename(expected["desktop"]):
            fail(f"metainfo launchable {getattr(launchable, 'text', None)!r} "
                 f"is not {os.path.basename(expected['desktop'])}")
        if binary not in binaries:
            fail(f"metainfo provides {binaries}, not the binary {binary}")
        if tree.findtext("translation[@type='gettext']") != args.gettext_package:
            fail(f"metainfo <translation type=gettext> is not {args.gettext_package}")
        if not failures:
            print(f"ok: metainfo <id>{cid}</id>, launchable {launchable.text}, "
                  f"provides binary {binary}")

        # Every catalogue loads and carries a plural rule.
        for lang in langs:
            path = dest(f"mo:{lang}")
            try:
                with open(path, "rb") as f:
                    catalog = gettext.GNUTranslations(f)
                info = catalog.info()
                if "plural-forms" not in info:
                    fail(f"{lang}: no Plural-Forms header")
                else:
                    print(f"ok: {lang}.mo loads, {len(catalog._catalog) - 1} entries, "
                          f"{info['plural-forms']}")
            except Exception as e:  # noqa: BLE001 — any parse error is a failure
                fail(f"{lang}: {path} does not load: {e}")

    if failures:
        print(f"\n{len(failures)} problem(s)")
        return 1
    print("\nThe installed tree is exactly what Sluice ships, and valid.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
