#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Flatpak manifest agrees with the meson project.

No Flatpak runtime can be downloaded on the build machines, so the Flatpak
itself cannot be built here.  What can be checked is checked: the manifest
parses; it builds this checkout with meson on a current GNOME runtime and adds
no modules; its id and command are meson's application ID and binary; its
permissions are the agreed minimal set, each explained in README.md; and
configuring the project the way flatpak-builder does (its config-opts,
prefix /app) installs the binary the manifest runs and the desktop file,
metainfo and icons named after its id.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

# Every permission, and why (README.md's Flatpak section says the same).
ALLOWED_FINISH_ARGS = {
    "--share=network": "fetching URLs is the point",
    "--share=ipc": "X11 shared memory for the fallback",
    "--socket=wayland": "the window",
    "--socket=fallback-x11": "the window where there is no Wayland",
    "--device=dri": "GPU rendering for GTK",
    "--filesystem=xdg-download": "the default download folder",
}
OLDEST_RUNTIME = 47

failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}")


def ok(message):
    print(f"ok: {message}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--app-id", required=True, help="meson's application ID without -Ddevelopment")
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()

    try:
        with open(args.manifest, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        fail(f"{args.manifest} does not parse as JSON: {e}")
        return 1
    ok(f"{os.path.basename(args.manifest)} parses as JSON")

    if os.path.basename(args.manifest) != f"{args.app_id}.json":
        fail(f"the manifest file is not named {args.app_id}.json")

    app_id = manifest.get("id", manifest.get("app-id"))
    if app_id != args.app_id:
        fail(f"id {app_id!r} is not meson's application ID {args.app_id}")
    if manifest.get("command") != args.binary:
        fail(f"command {manifest.get('command')!r} is not meson's binary {args.binary}")
    if not failures:
        ok(f"id {app_id} and command {args.binary} agree with meson")

    runtime, sdk = manifest.get("runtime"), manifest.get("sdk")
    version = str(manifest.get("runtime-version", ""))
    if runtime != "org.gnome.Platform" or sdk != "org.gnome.Sdk":
        fail(f"runtime/sdk {runtime}/{sdk} are not org.gnome.Platform/org.gnome.Sdk")
    elif not version.isdigit() or int(version) < OLDEST_RUNTIME:
        fail(f"runtime-version {version!r} is not a current GNOME runtime (>= {OLDEST_RUNTIME})")
    else:
        ok(f"runtime {runtime}//{version}, sdk {sdk}")

    # Permissions: only the agreed ones, each explained in the README.
    finish_args = manifest.get("finish-args", [])
    with open(os.path.join(args.source_dir, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for arg in finish_args:
        if arg not in ALLOWED_FINISH_ARGS:
            fail(f"finish-arg {arg} is not in the agreed set")
        elif f"`{arg}`" not in readme:
            fail(f"finish-arg {arg} is not explained in README.md")
    for arg in sorted(set(ALLOWED_FINISH_ARGS) - set(finish_args)):
        fail(f"finish-arg {arg} is missing ({ALLOWED_FINISH_ARGS[arg]})")
    if len(finish_args) != len(set(finish_args)):
        fail("finish-args repeat an entry")
    ok(f"finish-args: {' '.join(finish_args)}")

    # One module: this checkout, built with meson.
    modules = manifest.get("modules", [])
    if len(modules) != 1 or not isinstance(modules[0], dict):
        fail(f"expected exactly one module (the runtime has every dependency), got {len(modules)}")
        return 1
    module = modules[0]
    if module.get("buildsystem") != "meson":
        fail(f"module buildsystem is {module.get('buildsystem')!r}, not meson")
    sources = module.get("sources", [])
    if len(sources) != 1 or sources[0].get("type") != "dir":
        fail("the module's one source must be {\"type\": \"dir\"}")
        return 1
    source_path = os.path.realpath(
        os.path.join(os.path.dirname(os.path.abspath(args.manifest)), sources[0].get("path", "")))
    if source_path != os.path.realpath(args.source_dir):
        fail(f"the dir source {source_path} is not this checkout {args.source_dir}")
    else:
        ok(f"module {module.get('name')}: meson, dir source = this checkout")
    config_opts = module.get("config-opts", [])
    if any(o.startswith("-Ddevelopment=true") for o in config_opts):
        fail("the manifest builds the development profile")

    # flatpak-builder's own parser, where it is installed (syntax only).
    if shutil.which("flatpak-builder"):
        # In a scratch directory: flatpak-builder leaves .flatpak-builder/ behind.
        with tempfile.TemporaryDirectory(prefix="sluice-fb-") as scratch:
            result = subprocess.run(["flatpak-builder", "--show-manifest",
                                     os.path.abspath(args.manifest)],
                                    capture_output=True, text=True, cwd=scratch)
        if result.returncode != 0:
            fail(f"flatpak-builder --show-manifest: {result.stderr.strip()}")
        else:
            ok("flatpak-builder --show-manifest accepts it")

    # Configure as flatpak-builder would and read what would be installed.
    with tempfile.TemporaryDirectory(prefix="sluice-flatpak-") as build:
        setup = subprocess.run(
            ["meson", "setup", build, args.source_dir, "--prefix=/app",
             "--wrap-mode=nodownload"] + config_opts,
            capture_output=True, text=True)
        if setup.returncode != 0:
            fail(f"meson setup with the manifest's config-opts {config_opts} failed:\n"
                 + setup.stdout[-2000:] + setup.stderr[-2000:])
            return 1
        ok(f"meson setup --prefix=/app {' '.join(config_opts)} configures")
        introspect = subprocess.run(["meson", "introspect", "--installed", build],
                                    capture_output=True, text=True, check=True)
        installed = set(json.loads(introspect.stdout).values())

    wanted = [
        f"/app/bin/{manifest.get('command')}",
        f"/app/share/applications/{app_id}.desktop",
        f"/app/share/metainfo/{app_id}.metainfo.xml",
        f"/app/share/glib-2.0/schemas/{app_id}.gschema.xml",
        f"/app/share/icons/hicolor/scalable/apps/{app_id}.svg",
        f"/app/share/icons/hicolor/symbolic/apps/{app_id}-symbolic.svg",
    ]
    missing = [path for path in wanted if path not in installed]
    for path in missing:
        fail(f"the Flatpak build would not install {path}")
    stray = sorted(p for p in installed if not p.startswith("/app/"))
    if stray:
        fail(f"installed outside /app: {stray}")
    if not missing and not stray:
        ok("the Flatpak build installs:\n    " + "\n    ".join(sorted(installed)))

    if failures:
        print(f"\n{len(failures)} problem(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
