"""Copy GOV.UK Frontend from node_modules into ehcna/web/static/govuk, where the app serves it.

    npm ci --no-audit --no-fund && python -m dev.build_assets

Copies ``govuk-frontend.min.css``, ``govuk-frontend.min.js`` and the ``assets``
folder. Two changes are made to the CSS on the way:

* its ``url(/assets/...)`` references become relative (``url(assets/...)``),
  because the app serves the assets beside the stylesheet, under /static/govuk;
* unless ``--gov-uk`` is given, the GDS Transport font is left out and Arial
  used, as compiling GOV.UK Frontend's Sass with ``$govuk-font-family: arial,
  sans-serif`` would give: that font is licensed for services on GOV.UK only,
  and a council's service is not on GOV.UK (it uses the generic header too).
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
TARGET = ROOT / "ehcna" / "web" / "static" / "govuk"
FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js")

_FONT_FACE = re.compile(r"@font-face\{font-family:\"?GDS Transport\"?;[^}]*\}")
_FONT_STACK = re.compile(r"font-family:\"?GDS Transport\"?,")


def without_gds_transport(css: str) -> str:
    """The stylesheet with Arial in place of GDS Transport, and no rule that downloads the font."""
    css = _FONT_STACK.sub("font-family:", _FONT_FACE.sub("", css))
    if "GDS Transport" in css:  # a new release wrote the font differently: fail, do not ship it
        raise ValueError("GDS Transport is still referenced after rewriting the stylesheet")
    return css


def build(source: Path = SOURCE, target: Path = TARGET, gov_uk: bool = False) -> list[Path]:
    """Replace ``target`` with a fresh copy from ``source``; return the files written."""
    missing = [name for name in FILES if not (source / name).is_file()]
    if missing or not (source / "assets").is_dir():
        raise FileNotFoundError(
            f"{source} has no GOV.UK Frontend build: run `npm ci --no-audit --no-fund` first"
        )
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    css = (source / FILES[0]).read_text(encoding="utf-8").replace("url(/assets/", "url(assets/")
    (target / FILES[0]).write_text(css if gov_uk else without_gds_transport(css), encoding="utf-8")
    shutil.copy2(source / FILES[1], target / FILES[1])
    shutil.copytree(source / "assets", target / "assets")
    return sorted(p for p in target.rglob("*") if p.is_file())


# the API documents' viewers, from their pinned npm packages (package.json): no CDN at run time
DOCS_TARGET = ROOT / "ehcna" / "web" / "static" / "vendor"
DOCS_FILES = {
    ROOT / "node_modules" / "swagger-ui-dist" / "swagger-ui-bundle.js": "swagger-ui-bundle.js",
    ROOT / "node_modules" / "swagger-ui-dist" / "swagger-ui.css": "swagger-ui.css",
    ROOT / "node_modules" / "redoc" / "bundles" / "redoc.standalone.js": "redoc.standalone.js",
}


def build_docs(files: dict[Path, str] = DOCS_FILES, target: Path = DOCS_TARGET) -> list[Path]:
    """Copy Swagger UI and ReDoc into ``target``; return the files written."""
    missing = [str(src) for src in files if not src.is_file()]
    if missing:
        raise FileNotFoundError(f"missing {', '.join(missing)}: run `npm ci --no-audit --no-fund` first")
    target.mkdir(parents=True, exist_ok=True)
    for src, name in files.items():
        shutil.copy2(src, target / name)
    return sorted(target / name for name in files.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--gov-uk", action="store_true", help="keep the GDS Transport font (services on GOV.UK)"
    )
    args = parser.parse_args(argv)
    try:
        written = build(gov_uk=args.gov_uk)
        docs = build_docs()
    except (FileNotFoundError, ValueError) as err:
        print(f"build_assets: {err}", file=sys.stderr)
        return 1
    where = f"{TARGET.relative_to(ROOT)}, {len(docs)} in {DOCS_TARGET.relative_to(ROOT)}"
    print(f"build_assets: {len(written)} files in {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
