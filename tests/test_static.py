"""Static files: the vendored assets are whole, and production's storage can build them."""

import json
import re
from pathlib import Path

from django.conf import settings as django_settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
SOURCE_MAP = re.compile(r"[#@] sourceMappingURL=(\S+?)(?:\s*\*/)?\s*$", re.MULTILINE)


def test_every_source_map_a_vendored_asset_names_is_vendored_beside_it():
    assets = [path for path in VENDOR.rglob("*") if path.suffix in {".js", ".css"}]
    assert assets
    named = {}
    for asset in assets:
        for name in SOURCE_MAP.findall(asset.read_text(encoding="utf-8")):
            named[asset.relative_to(VENDOR).as_posix()] = name
    assert named, "the vendored assets name their source maps"

    missing = [
        f"{asset} names {name}" for asset, name in named.items() if not (VENDOR / asset).with_name(name).is_file()
    ]

    assert missing == []


def test_collectstatic_builds_the_hashed_manifest_that_production_serves(settings, tmp_path):
    """CompressedManifestStaticFilesStorage aborts on any file a stylesheet or script names
    that is not there, as the Docker image's build step would."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

    call_command("collectstatic", "--noinput", verbosity=0)

    manifest = json.loads((tmp_path / "staticfiles" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["vendor/chartjs/chart.umd.min.js"]
    assert hashed != "vendor/chartjs/chart.umd.min.js"
    built = (tmp_path / "staticfiles" / hashed).read_text(encoding="utf-8")
    # The source map comment now names the map's own hashed file.
    assert f"sourceMappingURL={Path(manifest['vendor/chartjs/chart.umd.min.js.map']).name}" in built
    assert (tmp_path / "staticfiles" / f"{hashed}.gz").is_file()
